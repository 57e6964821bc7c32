package sanctions_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/remitflow/remitflow/domain/sanctions"
)

func Example() {
	sdn := `2686,"NASRALLAH, Hasan","individual","SDGT] [SYRIA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 31 Aug 1960; alt. DOB 31 Aug 1953; POB Al Basuriyah, Lebanon."` + "\r\n"
	alt := `2686,1,"aka","NASRALLAH, Hassan",-0- ` + "\r\n"
	add := `2686,1,-0- ,-0- ,"Lebanon",-0- ` + "\r\n"
	list, err := sanctions.Parse(strings.NewReader(sdn), strings.NewReader(alt), strings.NewReader(add),
		time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	var holder sanctions.Holder
	s, err := sanctions.NewScreener(list, sanctions.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	holder.Replace(s)

	res, err := holder.Screen(sanctions.Query{
		Name:    "Hassan Nasralla",
		DOB:     sanctions.Date{Year: 1960, Month: 8, Day: 31},
		Country: "LB",
		Kind:    sanctions.KindIndividual,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, h := range res.Hits {
		fmt.Printf("%d %s via %q (%s) score %.3f\n", h.EntNum, h.Name, h.MatchedName, h.AliasType, h.Score)
		for _, r := range h.Reasons {
			fmt.Println("  " + r)
		}
	}
	_, err = holder.Screen(sanctions.Query{Name: " ,. "})
	fmt.Println(err)
	// Output:
	// 2686 NASRALLAH, Hasan via "NASRALLAH, Hassan" (aka) score 1.000
	//   token-set 0.989 (hassan, nasralla~nasrallah 0.98)
	//   dob matches 31 Aug 1960
	//   country matches LB
	// screen: sanctions: empty name
}

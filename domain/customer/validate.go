package customer

import (
	"fmt"
	"strings"
)

// iso3166 lists the ISO 3166-1 alpha-2 codes officially assigned.
const iso3166 = "" +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
	"MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
	"UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"

var countries = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(iso3166) {
		m[c] = true
	}
	return m
}()

// ValidCountry reports whether code is an assigned ISO 3166-1 alpha-2 code
// in upper case ("KE", "GB").
func ValidCountry(code string) bool { return countries[code] }

// ValidatePhone checks that phone is an E.164 number: "+", a non-zero first
// digit and 7 to 15 digits in all, nothing else. It returns an error wrapping
// ErrInvalidPhone. The number itself is not repeated in the error.
func ValidatePhone(phone string) error {
	digits, ok := strings.CutPrefix(phone, "+")
	switch {
	case !ok:
		return fmt.Errorf("%w: must start with +", ErrInvalidPhone)
	case len(digits) < 7 || len(digits) > 15:
		return fmt.Errorf("%w: %d digits, want 7 to 15", ErrInvalidPhone, len(digits))
	case digits[0] == '0':
		return fmt.Errorf("%w: country code cannot start with 0", ErrInvalidPhone)
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return fmt.Errorf("%w: only digits may follow +", ErrInvalidPhone)
		}
	}
	return nil
}

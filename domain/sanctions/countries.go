package sanctions

import "strings"

// countryCodes maps normalised country names (as the SDN list and common
// usage spell them) to ISO 3166-1 alpha-2 codes.
var countryCodes = map[string]string{
	"afghanistan": "AF", "albania": "AL", "algeria": "DZ", "andorra": "AD", "angola": "AO",
	"argentina": "AR", "armenia": "AM", "aruba": "AW", "australia": "AU", "austria": "AT",
	"azerbaijan": "AZ", "bahamas": "BS", "bahamas the": "BS", "the bahamas": "BS", "bahrain": "BH",
	"bangladesh": "BD", "barbados": "BB", "belarus": "BY", "belgium": "BE", "belize": "BZ",
	"benin": "BJ", "bolivia": "BO", "bosnia": "BA", "bosnia and herzegovina": "BA",
	"bosnia herzegovina": "BA", "bosina herzegovina": "BA", "botswana": "BW", "brazil": "BR",
	"brunei": "BN", "bulgaria": "BG", "burkina faso": "BF", "burma": "MM", "myanmar": "MM",
	"burundi": "BI", "cabo verde": "CV", "cape verde": "CV", "cambodia": "KH", "cameroon": "CM",
	"canada": "CA", "cayman islands": "KY", "central african republic": "CF", "chad": "TD",
	"chile": "CL", "china": "CN", "colombia": "CO", "comoros": "KM", "comoros islands": "KM",
	"congo democratic republic of the": "CD", "democratic republic of the congo": "CD", "drc": "CD",
	"congo republic of the": "CG", "republic of the congo": "CG", "congo": "CG",
	"costa rica": "CR", "cote d ivoire": "CI", "cote divoire": "CI", "ivory coast": "CI",
	"croatia": "HR", "cuba": "CU", "cyprus": "CY", "czech republic": "CZ", "czechia": "CZ",
	"denmark": "DK", "djibouti": "DJ", "dominica": "DM", "dominican republic": "DO",
	"ecuador": "EC", "egypt": "EG", "el salvador": "SV", "england": "GB", "equatorial guinea": "GQ",
	"eritrea": "ER", "estonia": "EE", "ethiopia": "ET", "finland": "FI", "france": "FR",
	"gabon": "GA", "gambia": "GM", "the gambia": "GM", "gaza": "PS", "gaza strip": "PS",
	"georgia": "GE", "germany": "DE", "ghana": "GH", "gibraltar": "GI", "greece": "GR",
	"guatemala": "GT", "guinea": "GN", "guinea bissau": "GW", "guyana": "GY", "haiti": "HT",
	"honduras": "HN", "hong kong": "HK", "hungary": "HU", "iceland": "IS", "india": "IN",
	"indonesia": "ID", "iran": "IR", "iraq": "IQ", "ireland": "IE", "israel": "IL", "italy": "IT",
	"jamaica": "JM", "japan": "JP", "jersey": "JE", "jordan": "JO", "kazakhstan": "KZ",
	"kenya": "KE", "korea north": "KP", "north korea": "KP", "dprk": "KP",
	"democratic peoples republic of korea": "KP", "korea south": "KR", "south korea": "KR",
	"kosovo": "XK", "kuwait": "KW", "kyrgyzstan": "KG", "laos": "LA", "latvia": "LV",
	"lebanon": "LB", "lesotho": "LS", "liberia": "LR", "libya": "LY", "liechtenstein": "LI",
	"lithuania": "LT", "luxembourg": "LU", "macau": "MO", "macao": "MO", "macedonia": "MK",
	"north macedonia": "MK", "macedonia the former yugoslav republic of": "MK",
	"madagascar": "MG", "malawi": "MW", "malaysia": "MY", "maldives": "MV", "mali": "ML",
	"malta": "MT", "marshall islands": "MH", "mauritania": "MR", "mauritius": "MU",
	"mexico": "MX", "moldova": "MD", "monaco": "MC", "mongolia": "MN", "montenegro": "ME",
	"morocco": "MA", "mozambique": "MZ", "namibia": "NA", "nepal": "NP", "netherlands": "NL",
	"netherlands antilles": "AN", "new zealand": "NZ", "nicaragua": "NI", "niger": "NE",
	"nigeria": "NG", "norway": "NO", "oman": "OM", "pakistan": "PK", "palau": "PW",
	"palestine": "PS", "palestinian": "PS", "palestinian territories": "PS", "west bank": "PS",
	"panama": "PA", "paraguay": "PY", "peru": "PE", "philippines": "PH", "the philippines": "PH",
	"phillipines": "PH", "poland": "PL", "portugal": "PT", "qatar": "QA", "romania": "RO",
	"russia": "RU", "russian federation": "RU", "the russian federation": "RU", "rwanda": "RW",
	"saint kitts and nevis": "KN", "st kitts and nevis": "KN",
	"saint vincent and the grenadines": "VC", "samoa": "WS", "saudi arabia": "SA",
	"senegal": "SN", "serbia": "RS", "serbia and montenegro": "RS", "seychelles": "SC",
	"sierra leone": "SL", "singapore": "SG", "slovakia": "SK", "slovenia": "SI",
	"somalia": "SO", "south africa": "ZA", "south sudan": "SS", "spain": "ES", "sri lanka": "LK",
	"sudan": "SD", "sweden": "SE", "switzerland": "CH", "syria": "SY", "taiwan": "TW",
	"tajikistan": "TJ", "tanzania": "TZ", "thailand": "TH", "togo": "TG",
	"trinidad and tobago": "TT", "tunisia": "TN", "turkey": "TR", "turkiye": "TR",
	"turkmenistan": "TM", "uganda": "UG", "ukraine": "UA", "united arab emirates": "AE",
	"uae": "AE", "united kingdom": "GB", "uk": "GB", "great britain": "GB", "united states": "US",
	"usa": "US", "united states of america": "US", "uruguay": "UY", "uzbekistan": "UZ",
	"vanuatu": "VU", "venezuela": "VE", "vietnam": "VN", "viet nam": "VN",
	"virgin islands british": "VG", "british virgin islands": "VG", "western sahara": "EH",
	"yemen": "YE", "zambia": "ZM", "zimbabwe": "ZW",
}

// validCodes is the set of codes countryCodes knows.
var validCodes = func() map[string]bool {
	m := make(map[string]bool, len(countryCodes))
	for _, c := range countryCodes {
		m[c] = true
	}
	return m
}()

// countryKey lower-cases a country name and keeps letters and single spaces.
func countryKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z':
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case r == '\'':
		default:
			space = true
		}
	}
	return b.String()
}

// CountryCode returns the ISO 3166-1 alpha-2 code for a country name or code
// as the SDN list and customers write them ("Iran", "Korea, North", "ir",
// "Jalisco, Mexico"), and false when it does not know the country.
func CountryCode(s string) (string, bool) {
	k := countryKey(s)
	if k == "" {
		return "", false
	}
	if len(k) == 2 {
		up := strings.ToUpper(k)
		if validCodes[up] {
			return up, true
		}
	}
	if c, ok := countryCodes[k]; ok {
		return c, true
	}
	// "Jalisco Mexico", "Sarajevo Bosnia Herzegovina": try trailing words.
	for i := 0; i < len(k); i++ {
		if k[i] == ' ' {
			if c, ok := countryCodes[k[i+1:]]; ok {
				return c, true
			}
		}
	}
	return "", false
}

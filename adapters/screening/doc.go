// Package screening connects the transfer process to the sanctions list and
// to the compliance aggregate. It implements the ports of domain/process:
//
//   - Screener (process.Screener, and process.Matcher): resolves the
//     sender's name from the customer's encrypted personal data (the PII
//     vault) or takes the recipient's name, screens it with the sanctions
//     screener in force (sanctions.Holder), records the screening in the
//     subject's compliance stream (compliance.RecordScreening, under
//     process.ScreeningID, so a hold opens the case that the transfer
//     Service's release and reject decide) and returns the hits a reviewer
//     has not cleared. ScreenCustomer screens a customer outside a transfer
//     (at registration).
//   - Limits (process.Limits): records a transfer against the sender's
//     KYC-tier limits (compliance.RecordTransfer) in USD-equivalent at the
//     rate in force when the transfer was requested.
//   - Cases (process.Cases): opens a compliance case on the sender's stream
//     for a transfer held by rules that opened no case themselves (limits,
//     a name that cannot be screened).
//   - CodeGenerator (process.CodeGenerator): a deterministic, hard to guess
//     cash pickup code per transfer (HMAC-SHA256 of a secret key and the
//     transfer ID, as ten digits), delivered through a Notifier.
//
// Reviews records compliance staff decisions: a false-positive clearance of
// a (person, list entry) pair, which holds until the list changes what it
// says about the entry, and case decisions. Rescreener screens held and
// recently active people again when a new list version comes into force.
//
// Personal data stays out of logs: names are never logged, phone numbers
// and codes are masked.
package screening

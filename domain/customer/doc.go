// Package customer is a sender's identity on the platform as a pure
// event-sourced aggregate: country, KYC tier with its limits, and whether the
// customer may send.
//
// Stream: "customer-<customerID>".
//
// Business rules:
//   - Register needs a customer ID, an ISO 3166-1 alpha-2 country, a phone
//     number in E.164 form (+ and 7 to 15 digits, no leading zero), a KYC tier
//     (0, 1 or 2) and the customer's personal data already encrypted by the
//     PII vault (key ID and ciphertext). Registering again with the same
//     country, tier and key is a no-op; with anything else it is
//     ErrAlreadyRegistered.
//   - Personal data never appears in clear in an event: events carry only the
//     ciphertext and its key ID, so erasing the key forgets the person while
//     the log stays intact. The phone number in a command is validated and
//     then dropped; it is excluded from the command's JSON so that it does not
//     reach the command hash either.
//   - ChangeTier moves the customer to another KYC tier with a reason; the
//     same tier is a no-op.
//   - Block (with a reason) stops the customer from sending; blocking a
//     blocked customer is a no-op. Unblock (with a reason) lifts it;
//     unblocking a customer who is not blocked is a no-op.
//   - UpdatePII replaces the encrypted personal data (new phone number, key
//     rotation); the same key and ciphertext is a no-op.
//   - Every command except Register needs a registered customer
//     (ErrCustomerNotFound).
//   - CanSend says whether a customer may start a transfer; LimitsFor gives
//     the tier's limits, in USD-equivalent, which compliance evaluates.
package customer

package wallet_test

import (
	"errors"

	"github.com/remitflow/remitflow/domain/money"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func moneyCurrency(c string) money.Currency { return money.Currency(c) }

func amount(v, c string) money.Amount { return money.MustParse(v, c) }

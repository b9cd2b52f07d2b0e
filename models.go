package d24

import (
	"github.com/d24go/d24/generated/common"
	"github.com/d24go/d24/generated/deposits"
	"github.com/d24go/d24/generated/pci"
	"github.com/d24go/d24/generated/readonly"
	"github.com/d24go/d24/types"
)

// The generated models, under the names a merchant uses. They are aliases: a
// d24.CardDepositRequest is a pci.CardDepositRequest.
type (
	// CardDepositRequest is a card deposit (card API).
	CardDepositRequest = pci.CardDepositRequest
	// CreditCard holds a card's details; its number and CVV mask themselves
	// when printed or logged.
	CreditCard = pci.CreditCard
	// ThreeDomainSecure carries 3DS data from an external provider.
	ThreeDomainSecure = pci.ThreeDomainSecure
	// CardDepositResponse is the outcome of a card deposit.
	CardDepositResponse = pci.CardDepositResponse
	// CardPaymentInfo is a card deposit's result and reason.
	CardPaymentInfo = pci.CardPaymentInfo
	// CardResult is SUCCESS, REJECTED, PENDING_AUTHENTICATION or IN_PROGRESS.
	CardResult = pci.CardResult
	// CardReasonCode is why a card was rejected (pci.Reason* constants).
	CardReasonCode = pci.CardReasonCode

	// DepositRequest is a deposit on the deposits API.
	DepositRequest = deposits.DepositRequest
	// DepositResponse is a created deposit, ONE_SHOT or HOSTED.
	DepositResponse = deposits.DepositResponse
	// DepositStatus is a deposit as D24 has it now.
	DepositStatus = deposits.DepositStatus
	// DepositStatusValue is CREATED, PENDING, COMPLETED, ... (Status* constants).
	DepositStatusValue = deposits.DepositStatusValue
	// ReportedInfo is the bank account a customer will pay from.
	ReportedInfo = deposits.ReportedInfo

	// RefundRequest is a full or partial refund of a completed deposit.
	RefundRequest = deposits.RefundRequest
	// RefundBankAccount is where a non-card deposit is refunded to.
	RefundBankAccount = deposits.RefundBankAccount
	// RefundResponse is a created refund (RefundInfo for card refunds done at
	// once); its RefundID is what GetRefund takes.
	RefundResponse = deposits.RefundResponse
	// RefundInfo is a card refund's outcome.
	RefundInfo = deposits.RefundInfo
	// RefundStatus is a refund as D24 has it now.
	RefundStatus = deposits.RefundStatus
	// RefundStatusValue is PENDING, DELIVERED, COMPLETED, ... (Refund* constants).
	RefundStatusValue = deposits.RefundStatusValue

	// PaymentMethod is one of the merchant's payment methods in a country.
	PaymentMethod = readonly.PaymentMethod
	// ExchangeRate is a USD amount converted to a local currency.
	ExchangeRate = readonly.ExchangeRate
	// CryptoExchangeRate is an amount converted to a cryptocurrency.
	CryptoExchangeRate = readonly.CryptoExchangeRate
	// State is a state as Address.State takes it.
	State = readonly.State
	// Bank is a bank as RefundBankAccount.BankCode takes it.
	Bank = readonly.Bank

	// Payer is the customer, shared by both APIs.
	Payer = common.Payer
	// Address is the customer's address.
	Address = common.Address

	// Amount is an exact decimal amount (never float64).
	Amount = types.Amount
	// CardNumber is a card number that masks itself when printed.
	CardNumber = types.CardNumber
	// SecurityCode is a CVV that masks itself when printed.
	SecurityCode = types.SecurityCode
	// Time is a timestamp from D24 in any format it sends.
	Time = types.Time
)

// Ptr returns a pointer to a copy of v, for the optional fields that are
// pointers so that a zero value is sent rather than left out:
// RefundRequest.Amount (nil asks for a full refund), Installments,
// SurchargeOnPayer. For example Amount: d24.Ptr(types.MustParseAmount("50")).
func Ptr[T any](v T) *T { return &v }

// Card results.
const (
	CardResultSuccess               = pci.CardResultSuccess
	CardResultRejected              = pci.CardResultRejected
	CardResultPendingAuthentication = pci.CardResultPendingAuthentication
	CardResultInProgress            = pci.CardResultInProgress
)

// Checkout types of a created deposit.
const (
	CheckoutOneShot = deposits.CheckoutOneShot
	CheckoutHosted  = deposits.CheckoutHosted
)

// Refund statuses. COMPLETED can still turn REJECTED if the bank reverses it.
const (
	RefundPending          = deposits.RefundPending
	RefundIncorrectDetails = deposits.RefundIncorrectDetails
	RefundDelivered        = deposits.RefundDelivered
	RefundCancelled        = deposits.RefundCancelled
	RefundRejected         = deposits.RefundRejected
	RefundCompleted        = deposits.RefundCompleted
)

// Card refund results.
const (
	RefundResultSuccess    = deposits.RefundResultSuccess
	RefundResultRejected   = deposits.RefundResultRejected
	RefundResultInProgress = deposits.RefundResultInProgress
)

// Deposit statuses. COMPLETED is final; EXPIRED and CANCELLED can still turn
// COMPLETED after D24's manual review; DECLINED means it was never created.
const (
	StatusCreated       = deposits.StatusCreated
	StatusPending       = deposits.StatusPending
	StatusApproved      = deposits.StatusApproved
	StatusEarlyReleased = deposits.StatusEarlyReleased
	StatusForReview     = deposits.StatusForReview
	StatusExpired       = deposits.StatusExpired
	StatusCancelled     = deposits.StatusCancelled
	StatusCompleted     = deposits.StatusCompleted
	StatusDeclined      = deposits.StatusDeclined
)

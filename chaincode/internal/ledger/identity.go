package ledger

// Role is the caller's NodeOU role, as classified by its MSP.
type Role string

const (
	RoleAdmin   Role = "admin"
	RoleClient  Role = "client"
	RolePeer    Role = "peer"
	RoleOrderer Role = "orderer"
	RoleUnknown Role = "unknown"
)

// Identity is the transaction submitter as resolved by the adapter from the
// signer's certificate: its MSP and its NodeOU role (the subject's OU).
type Identity interface {
	MSPID() string
	Role() Role
}

// Caller is a plain Identity value; the adapter and tests build one directly.
type Caller struct {
	MSP        string
	CallerRole Role
}

func (c Caller) MSPID() string { return c.MSP }
func (c Caller) Role() Role    { return c.CallerRole }

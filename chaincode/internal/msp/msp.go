// Package msp authenticates signers against the consortium's membership
// service providers, as listed in the genesis app state: each MSP has root
// and intermediate CA certificates and a consortium role (member, auditor,
// operator). A signer is the MSP it names, a certificate that chains to one
// of that MSP's roots at the block time, an ECDSA P-256 key and a signature
// over the transaction body; its role is the certificate subject's OU, as
// Fabric's NodeOUs classify it.
package msp

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
)

// Role is an organisation's place in the consortium.
type Role string

const (
	Member   Role = "member"   // may call every core function
	Auditor  Role = "auditor"  // may only anchor audit roots (and probe)
	Operator Role = "operator" // runs a validator; may only probe
)

// Config is one MSP of the genesis app state.
type Config struct {
	MSPID             string   `json:"msp_id"`
	Role              Role     `json:"role"`
	RootCerts         []string `json:"root_certs"`
	IntermediateCerts []string `json:"intermediate_certs"`
}

// AppState is the genesis app state.
type AppState struct {
	MSPs []Config `json:"msps"`
}

// Signer is an authenticated signature's identity.
type Signer struct {
	MSP     string
	Role    ledger.Role // the certificate's NodeOU
	MSPRole Role        // the organisation's consortium role
}

type entry struct {
	role          Role
	roots, inters *x509.CertPool
}

// validity caches a verified certificate: verification at any time inside
// the chain's validity window gives the same answer, so the cache changes
// nothing but the cost.
type validity struct {
	from, until time.Time
	role        ledger.Role
}

// Registry is built once from the genesis app state.
type Registry struct {
	msps    map[string]entry
	members []string
	cache   map[[sha256.Size]byte]validity
}

const maxCache = 4096

var mspIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Parse reads the genesis app state JSON.
func Parse(appState []byte) (*Registry, error) {
	var st AppState
	if err := json.Unmarshal(appState, &st); err != nil {
		return nil, fmt.Errorf("genesis app state: %w", err)
	}
	return New(st)
}

// New checks the MSP list and loads its certificates.
func New(st AppState) (*Registry, error) {
	r := &Registry{msps: map[string]entry{}, cache: map[[sha256.Size]byte]validity{}}
	for _, c := range st.MSPs {
		if !mspIDPattern.MatchString(c.MSPID) {
			return nil, fmt.Errorf("msp id %q must match %s", c.MSPID, mspIDPattern)
		}
		if _, dup := r.msps[c.MSPID]; dup {
			return nil, fmt.Errorf("msp %s listed twice", c.MSPID)
		}
		if c.Role != Member && c.Role != Auditor && c.Role != Operator {
			return nil, fmt.Errorf("msp %s: role %q must be member, auditor or operator", c.MSPID, c.Role)
		}
		if len(c.RootCerts) == 0 {
			return nil, fmt.Errorf("msp %s has no root certificate", c.MSPID)
		}
		e := entry{role: c.Role, roots: x509.NewCertPool(), inters: x509.NewCertPool()}
		for _, set := range []struct {
			pems []string
			pool *x509.CertPool
		}{{c.RootCerts, e.roots}, {c.IntermediateCerts, e.inters}} {
			for _, p := range set.pems {
				certs, err := parsePEM(p)
				if err != nil {
					return nil, fmt.Errorf("msp %s: %w", c.MSPID, err)
				}
				for _, cert := range certs {
					set.pool.AddCert(cert)
				}
			}
		}
		r.msps[c.MSPID] = e
		if c.Role == Member {
			r.members = append(r.members, c.MSPID)
		}
	}
	if len(r.members) == 0 {
		return nil, fmt.Errorf("the genesis app state lists no member msp")
	}
	sort.Strings(r.members)
	return r, nil
}

// parsePEM reads one PEM entry: one or more certificates, nothing else.
func parsePEM(p string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := []byte(p)
	for len(bytes.TrimSpace(rest)) > 0 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil || block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("expected PEM certificates only")
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, cert)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty PEM entry")
	}
	return out, nil
}

// Members returns the member MSP ids, sorted.
func (r *Registry) Members() []string { return slices.Clone(r.members) }

// Authenticate verifies one signature over body at time at.
func (r *Registry) Authenticate(mspID string, certDER, sig, body []byte, at time.Time) (Signer, error) {
	e, ok := r.msps[mspID]
	if !ok {
		return Signer{}, errs.New(errs.Unauthenticated, "msp %q is not in the consortium", mspID)
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return Signer{}, errs.New(errs.Unauthenticated, "certificate of a %s signer does not parse", mspID)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return Signer{}, errs.New(errs.Unauthenticated, "a %s signer's key is not ECDSA P-256", mspID)
	}
	role, err := r.chain(mspID, e, cert, certDER, at)
	if err != nil {
		return Signer{}, err
	}
	digest := sha256.Sum256(body)
	if !ecdsa.VerifyASN1(pub, digest[:], sig) {
		return Signer{}, errs.New(errs.Unauthenticated, "a %s signature does not verify", mspID)
	}
	return Signer{MSP: mspID, Role: role, MSPRole: e.role}, nil
}

// chain verifies cert against the MSP's roots at time at, through the
// cache keyed by MSP and certificate.
func (r *Registry) chain(mspID string, e entry, cert *x509.Certificate, der []byte, at time.Time) (ledger.Role, error) {
	id := sha256.Sum256(append([]byte(mspID+"\x00"), der...))
	if v, ok := r.cache[id]; ok && !at.Before(v.from) && !at.After(v.until) {
		return v.role, nil
	}
	if cert.IsCA {
		return "", errs.New(errs.Unauthenticated, "a CA certificate cannot sign for %s", mspID)
	}
	chains, err := cert.Verify(x509.VerifyOptions{
		Roots: e.roots, Intermediates: e.inters, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return "", errs.New(errs.Unauthenticated, "certificate does not chain to %s at %s: %v", mspID, at.UTC().Format(time.RFC3339), err)
	}
	v := validity{from: cert.NotBefore, until: cert.NotAfter, role: NodeOU(cert)}
	for _, c := range chains[0] {
		if c.NotBefore.After(v.from) {
			v.from = c.NotBefore
		}
		if c.NotAfter.Before(v.until) {
			v.until = c.NotAfter
		}
	}
	if len(r.cache) >= maxCache {
		clear(r.cache)
	}
	r.cache[id] = v
	return v.role, nil
}

// NodeOU classifies a certificate by the role OUs of its subject: exactly
// one of admin, client, peer, orderer, else unknown.
func NodeOU(cert *x509.Certificate) ledger.Role {
	role := ledger.RoleUnknown
	for _, ou := range cert.Subject.OrganizationalUnit {
		switch r := ledger.Role(ou); r {
		case ledger.RoleAdmin, ledger.RoleClient, ledger.RolePeer, ledger.RoleOrderer:
			if role != ledger.RoleUnknown {
				return ledger.RoleUnknown
			}
			role = r
		}
	}
	return role
}

package abciapp_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/msp"
)

// t0 is the genesis time; certificates are valid from an hour before it
// for a year.
var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// ca is one certificate authority of the test PKI.
type ca struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// identity signs transactions for an MSP.
type identity struct {
	msp string
	key crypto.Signer
	der []byte
}

var serial int64

func newKey(t *testing.T, curve elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	require.NoError(t, err)
	return k
}

// issue signs a certificate for pub; parent nil self-signs.
func issue(t *testing.T, tmpl *x509.Certificate, pub crypto.PublicKey, parent *ca, self crypto.Signer) *x509.Certificate {
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = t0.Add(-time.Hour), t0.AddDate(1, 0, 0)
	}
	issuer, signer := tmpl, self
	if parent != nil {
		issuer, signer = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, pub, signer)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return cert
}

func newCA(t *testing.T, name string, parent *ca) *ca {
	key := newKey(t, elliptic.P256())
	tmpl := &x509.Certificate{
		Subject: pkix.Name{CommonName: name, Organization: []string{name}}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	return &ca{cert: issue(t, tmpl, &key.PublicKey, parent, key), key: key}
}

// leaf issues a signing identity with NodeOU role ou under issuer.
func (c *ca) leaf(t *testing.T, mspID, ou string, opts ...func(*x509.Certificate)) *identity {
	return c.leafWithKey(t, mspID, ou, newKey(t, elliptic.P256()), opts...)
}

func (c *ca) leafWithKey(t *testing.T, mspID, ou string, key *ecdsa.PrivateKey, opts ...func(*x509.Certificate)) *identity {
	tmpl := &x509.Certificate{
		Subject:  pkix.Name{CommonName: ou + "@" + mspID, OrganizationalUnit: []string{ou}},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	for _, o := range opts {
		o(tmpl)
	}
	cert := issue(t, tmpl, &key.PublicKey, c, nil)
	return &identity{msp: mspID, key: key, der: cert.Raw}
}

func (id *identity) sign(t *testing.T, body []byte) []byte {
	digest := sha256.Sum256(body)
	sig, err := id.key.Sign(rand.Reader, digest[:], crypto.SHA256)
	require.NoError(t, err)
	return sig
}

func pemOf(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// consortium is the seed scenario: Org1 and Org2 are members (Org2's
// identities come from an intermediate CA), Org3 audits, OrdererMSP runs
// a validator.
type consortium struct {
	cas   map[string]*ca
	inter *ca
	state msp.AppState

	org1, org1Admin, org2, org2Admin, org2Peer, org3, org3Admin, orderer, ordererAdmin *identity
}

func newConsortium(t *testing.T) *consortium {
	c := &consortium{cas: map[string]*ca{}}
	roles := []struct {
		id   string
		role msp.Role
	}{{"Org1MSP", msp.Member}, {"Org2MSP", msp.Member}, {"Org3MSP", msp.Auditor}, {"OrdererMSP", msp.Operator}}
	for _, r := range roles {
		root := newCA(t, r.id+" root", nil)
		c.cas[r.id] = root
		cfg := msp.Config{MSPID: r.id, Role: r.role, RootCerts: []string{pemOf(root.cert)}}
		if r.id == "Org2MSP" {
			c.inter = newCA(t, "Org2MSP intermediate", root)
			cfg.IntermediateCerts = []string{pemOf(c.inter.cert)}
		}
		c.state.MSPs = append(c.state.MSPs, cfg)
	}
	c.org1 = c.cas["Org1MSP"].leaf(t, "Org1MSP", "client")
	c.org1Admin = c.cas["Org1MSP"].leaf(t, "Org1MSP", "admin")
	c.org2 = c.inter.leaf(t, "Org2MSP", "client")
	c.org2Admin = c.inter.leaf(t, "Org2MSP", "admin")
	c.org2Peer = c.inter.leaf(t, "Org2MSP", "peer")
	c.org3 = c.cas["Org3MSP"].leaf(t, "Org3MSP", "client")
	c.org3Admin = c.cas["Org3MSP"].leaf(t, "Org3MSP", "admin")
	c.orderer = c.cas["OrdererMSP"].leaf(t, "OrdererMSP", "orderer")
	c.ordererAdmin = c.cas["OrdererMSP"].leaf(t, "OrdererMSP", "admin")
	return c
}

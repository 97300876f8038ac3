package abciapp_test

import (
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

// refusedIn asserts CheckTx refuses tx with code and a log starting with
// the code's id and name.
func refusedIn(t *testing.T, n *node, tx []byte, code *errs.Code) string {
	t.Helper()
	res := n.check(tx)
	require.Equal(t, code.Number(), res.Code, res.Log)
	assert.Equal(t, "ledgerml", res.Codespace)
	assert.True(t, strings.HasPrefix(res.Log, code.ID+" "+code.Name+": "), res.Log)
	return res.Log
}

func TestCheckTxRefusesMalformed(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	good := body{ChainID: chainID, Fn: "Probe", Args: []string{}, Nonce: n.nextNonce()}
	withBody := func(b string) []byte {
		raw, _ := json.Marshal(map[string]any{"body": base64.StdEncoding.EncodeToString([]byte(b)),
			"signatures": []signature{{MSP: "Org1MSP", Cert: base64.StdEncoding.EncodeToString(c.org1.der), Sig: "AA=="}}})
		return raw
	}
	tooMany := good
	tooMany.Args = make([]string, 17)
	badNonce := good
	badNonce.Nonce = "ABC"
	noFn := good
	noFn.Fn = ""
	cases := map[string][]byte{
		"not json":           []byte("{"),
		"trailing data":      append(envelope(t, good, c.org1), []byte(" {}")...),
		"unknown field":      []byte(`{"body":"e30=","signatures":[],"extra":1}`),
		"body not base64":    []byte(`{"body":"***","signatures":[]}`),
		"body not json":      withBody("nope"),
		"body extra field":   withBody(`{"chain_id":"x","fn":"Probe","args":[],"nonce":"00000000000000000000000000000000","x":1}`),
		"args not strings":   withBody(`{"chain_id":"x","fn":"Probe","args":[1],"nonce":"00000000000000000000000000000000"}`),
		"too large":          []byte(`{"body":"` + strings.Repeat("A", 64*1024) + `"}`),
		"too many args":      envelope(t, tooMany, c.org1),
		"bad nonce":          envelope(t, badNonce, c.org1),
		"no function":        envelope(t, noFn, c.org1),
		"unknown function":   n.tx("DropTables", nil, c.org1),
		"evaluate function":  n.tx("GetBalance", args("Org1MSP"), c.org1),
		"same msp twice":     envelope(t, good, c.org1Admin, c.org1),
		"empty signature":    []byte(`{"body":"` + base64.StdEncoding.EncodeToString([]byte(`{"chain_id":"x","fn":"Probe","args":[],"nonce":"00000000000000000000000000000000"}`)) + `","signatures":[{"msp":"Org1MSP","cert":"","sig":""}]}`),
		"co-signed transfer": n.tx("Transfer", args("Org2MSP", "1"), c.org1, c.org2Admin),
	}
	for name, tx := range cases {
		t.Run(name, func(t *testing.T) { refusedIn(t, n, tx, errs.MalformedTx) })
	}
	refusedIn(t, n, []byte(`{"body":"`+base64.StdEncoding.EncodeToString([]byte(`{"chain_id":"x","fn":"Probe","args":[],"nonce":"00000000000000000000000000000000"}`))+`","signatures":[]}`), errs.Unauthenticated)
}

func TestCheckTxRefusesWrongChain(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	tx := envelope(t, body{ChainID: "ledgerml-other", Fn: "Probe", Nonce: n.nextNonce()}, c.org1)
	assert.Contains(t, refusedIn(t, n, tx, errs.WrongChain), `"ledgerml-other"`)
}

func TestCheckTxRefusesUnauthenticated(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	rogue := newCA(t, "Org1MSP root", nil) // a self-made CA with the right name
	forged := rogue.leaf(t, "Org1MSP", "admin")
	expired := c.cas["Org1MSP"].leaf(t, "Org1MSP", "client", func(x *x509.Certificate) {
		x.NotBefore, x.NotAfter = t0.Add(-2*time.Hour), t0.Add(-time.Hour)
	})
	notYet := c.cas["Org1MSP"].leaf(t, "Org1MSP", "client", func(x *x509.Certificate) {
		x.NotBefore, x.NotAfter = t0.Add(time.Hour), t0.Add(2*time.Hour)
	})
	p384 := c.cas["Org1MSP"].leafWithKey(t, "Org1MSP", "client", newKey(t, elliptic.P384()))
	stolen := *c.org2
	stolen.msp = "Org1MSP" // an Org2 certificate claiming Org1
	unknown := *c.org1
	unknown.msp = "Org9MSP"
	caAsSigner := &identity{msp: "Org1MSP", key: c.cas["Org1MSP"].key, der: c.cas["Org1MSP"].cert.Raw}
	badSig := n.tx("Probe", nil, c.org1)
	var env map[string]any
	require.NoError(t, json.Unmarshal(badSig, &env))
	env["signatures"].([]any)[0].(map[string]any)["sig"] = base64.StdEncoding.EncodeToString(c.org1.sign(t, []byte("other body")))
	badSig, _ = json.Marshal(env)
	badCert := n.tx("Probe", nil, c.org1)
	require.NoError(t, json.Unmarshal(badCert, &env))
	env["signatures"].([]any)[0].(map[string]any)["cert"] = "AAAA"
	badCert, _ = json.Marshal(env)

	cases := map[string][]byte{
		"self-made CA":        n.tx("Mint", args("Org1MSP", "1"), forged, c.org2Admin),
		"expired certificate": n.tx("Probe", nil, expired),
		"not yet valid":       n.tx("Probe", nil, notYet),
		"P-384 key":           n.tx("Probe", nil, p384),
		"other org's cert":    n.tx("Probe", nil, &stolen),
		"unknown msp":         n.tx("Probe", nil, &unknown),
		"CA as signer":        n.tx("Probe", nil, caAsSigner),
		"bad signature":       badSig,
		"garbage certificate": badCert,
		"forged co-signer":    n.tx("Mint", args("Org1MSP", "1"), c.org1Admin, rogue.leaf(t, "Org2MSP", "admin")),
	}
	for name, tx := range cases {
		t.Run(name, func(t *testing.T) { refusedIn(t, n, tx, errs.Unauthenticated) })
	}
	// Validity is judged at the block time, not the wall clock: a certificate
	// that expires during the chain's life stops working at that block.
	shortLived := c.cas["Org1MSP"].leaf(t, "Org1MSP", "client", func(x *x509.Certificate) {
		x.NotBefore, x.NotAfter = t0.Add(-time.Hour), blockTime(2).Add(-time.Second)
	})
	n.ok(n.tx("Probe", nil, shortLived), nil)
	assert.Equal(t, errs.Unauthenticated.Number(), n.exec(n.tx("Probe", nil, shortLived)).Code)
}

func TestCheckTxRefusesReplay(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	first := n.tx("Probe", nil, c.org1)
	assert.Zero(t, n.check(first).Code)
	n.ok(first, nil)
	log := refusedIn(t, n, first, errs.Replayed)
	assert.Contains(t, log, txID(first), "the log names the original transaction")
	// Another MSP may use the same nonce.
	var b body
	var env struct{ Body []byte }
	require.NoError(t, json.Unmarshal(first, &env))
	require.NoError(t, json.Unmarshal(env.Body, &b))
	assert.Zero(t, n.check(envelope(t, b, c.org2)).Code)
	// Same submitter and nonce with other bytes (another signature) too.
	assert.Equal(t, errs.Replayed.Number(), n.check(envelope(t, b, c.org1)).Code)
}

func TestRolesAndConsortiumRules(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	unknownRole := c.cas["Org1MSP"].leaf(t, "Org1MSP", "member")
	twoRoles := c.cas["Org1MSP"].leaf(t, "Org1MSP", "client", func(x *x509.Certificate) {
		x.Subject.OrganizationalUnit = []string{"client", "admin"}
	})
	forbidden := map[string][]byte{
		"peer calls core":          n.tx("Transfer", args("Org1MSP", "1"), c.org2Peer),
		"orderer calls core":       n.tx("RegisterDataset", registerArgs(t, "x", 1), c.orderer),
		"no role OU":               n.tx("Probe", nil, unknownRole),
		"two role OUs":             n.tx("Probe", nil, twoRoles),
		"auditor registers":        n.tx("RegisterDataset", registerArgs(t, "x", 1), c.org3),
		"auditor mints":            n.tx("Mint", args("Org3MSP", "1"), c.org3Admin, c.org1Admin, c.org2Admin),
		"operator admin transfers": n.tx("Transfer", args("Org1MSP", "1"), c.ordererAdmin),
		"operator co-signs":        n.tx("Mint", args("Org1MSP", "1"), c.org1Admin, c.ordererAdmin),
		"auditor co-signs":         n.tx("Mint", args("Org1MSP", "1"), c.org1Admin, c.org3Admin),
		"client co-signs":          n.tx("Mint", args("Org1MSP", "1"), c.org1Admin, c.org2),
		"peer co-signs an upgrade": n.tx("ScheduleUpgrade", args("v3", "100"), c.org1Admin, c.org2Peer),
	}
	for name, tx := range forbidden {
		t.Run(name, func(t *testing.T) { refusedIn(t, n, tx, errs.ForbiddenRole) })
	}
	refusedIn(t, n, n.tx("Mint", args("Org1MSP", "1"), c.org1Admin), errs.QuorumNotMet)
	refusedIn(t, n, n.tx("ScheduleUpgrade", args("v3", "100"), c.org2Admin), errs.QuorumNotMet)
	refusedIn(t, n, n.tx("Mint", args("Org1MSP"), c.org1Admin, c.org2Admin), errs.InvalidArgument)

	allowed := map[string][]byte{
		"peer probes":       n.tx("Probe", args("anything", "at", "all"), c.org2Peer),
		"orderer probes":    n.tx("Probe", nil, c.orderer),
		"auditor probes":    n.tx("Probe", nil, c.org3),
		"auditor anchors":   n.tx("AnchorAuditRoot", args("l", "1", hex64("r")), c.org3),
		"majority mints":    n.tx("Mint", args("Org1MSP", "1"), c.org2Admin, c.org1Admin),
		"client transfers":  n.tx("Transfer", args("Org1MSP", "1"), c.org2),
		"admin registers":   n.tx("RegisterDataset", registerArgs(t, "x", 1), c.org1Admin),
		"majority upgrades": n.tx("ScheduleUpgrade", args("v3", "100"), c.org1Admin, c.org2Admin),
	}
	for name, tx := range allowed {
		t.Run(name, func(t *testing.T) { assert.Zero(t, n.check(tx).Code, n.check(tx).Log) })
	}
}

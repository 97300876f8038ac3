module github.com/ledgerml/ledgerml/chaincode

go 1.26.8

require github.com/stretchr/testify v1.12.1

require (
	github.com/maxbrunsfeld/counterfeiter/v6 v6.2.2 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
)

tool github.com/maxbrunsfeld/counterfeiter/v6

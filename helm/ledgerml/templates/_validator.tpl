{{/*
ledgerml.validatorConfig: CometBFT's config/config.toml. Only what differs from CometBFT's defaults: the ABCI
application on loopback, keys from the read-only Secret mount (keys/), writable state (signing state, address
book) on the volume (data/), peers and latency from values.
*/}}
{{- define "ledgerml.validatorConfig" -}}
{{- $v := .Values.validator -}}
{{- $level := get (dict "DEBUG" "debug" "INFO" "info" "WARNING" "error" "ERROR" "error") .Values.logLevel | default "info" -}}
proxy_app = "tcp://127.0.0.1:26658"
moniker = {{ .Values.org.name | quote }}
log_level = {{ $level | quote }}
log_format = "json"
genesis_file = "config/genesis.json"
node_key_file = "keys/node_key.json"
priv_validator_key_file = "keys/priv_validator_key.json"
priv_validator_state_file = "data/priv_validator_state.json"

[rpc]
laddr = "tcp://0.0.0.0:26657"

[p2p]
laddr = "tcp://0.0.0.0:26656"
external_address = {{ $v.externalAddress | quote }}
persistent_peers = {{ join "," $v.persistentPeers | quote }}
addr_book_file = "data/addrbook.json"
addr_book_strict = false
flush_throttle_timeout = {{ $v.latency.flushThrottleTimeout | quote }}

[consensus]
timeout_commit = {{ $v.latency.timeoutCommit | quote }}
create_empty_blocks_interval = {{ $v.latency.emptyBlocksInterval | quote }}
{{- end -}}

{{/* The ConfigMap holding genesis.json: rendered from validator.genesis.json, or the existing one. */}}
{{- define "ledgerml.genesisConfigMap" -}}
{{- if .Values.validator.genesis.json -}}{{ include "ledgerml-lib.componentName" (list . "genesis") }}{{- else -}}{{ required "validator.genesis.json or validator.genesis.existingConfigMap is required" .Values.validator.genesis.existingConfigMap }}{{- end -}}
{{- end -}}

{{/* An inline genesis must be a JSON document for this network (the services sign for ledger.chainId). */}}
{{- define "ledgerml.checkGenesis" -}}
{{- with .Values.validator.genesis.json -}}
{{- $doc := fromJson . -}}
{{- if hasKey $doc "Error" }}{{ fail (printf "validator.genesis.json is not JSON: %s" $doc.Error) }}{{ end -}}
{{- if ne (toString $doc.chain_id) $.Values.ledger.chainId }}{{ fail (printf "validator.genesis.json: chain_id %q differs from ledger.chainId %q" (toString $doc.chain_id) $.Values.ledger.chainId) }}{{ end -}}
{{- end -}}
{{- end -}}

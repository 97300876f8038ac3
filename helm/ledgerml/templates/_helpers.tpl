{{/* Service key -> package, peer-facing name (endpoints.json), needs and extra processes. The single place
that says which service mounts what and runs which commands (python -m ledgerml.<pkg> <command>). */}}
{{- define "ledgerml.catalog" -}}
registry: {pkg: registry, svc: registry, s3: false, orgKey: false, consume: true, worker: false, gc: false, endpoints: false}
accessControl: {pkg: access_control, svc: access-control, s3: false, orgKey: false, consume: true, worker: false, gc: false, endpoints: false}
storage: {pkg: storage, svc: storage, s3: true, orgKey: true, consume: false, worker: false, gc: true, endpoints: false}
training: {pkg: training, svc: training-orchestrator, s3: true, orgKey: false, consume: true, worker: true, gc: false, endpoints: true}
audit: {pkg: audit, svc: audit, s3: false, orgKey: false, consume: true, worker: false, gc: false, endpoints: true}
{{- end -}}

{{- define "ledgerml.pgCluster" -}}{{ include "ledgerml-lib.componentName" (list . "pg") }}{{- end -}}
{{- define "ledgerml.kafkaCluster" -}}{{ include "ledgerml-lib.componentName" (list . "kafka") }}{{- end -}}
{{- define "ledgerml.rayCluster" -}}{{ include "ledgerml-lib.componentName" (list . "ray") }}{{- end -}}
{{- define "ledgerml.validatorName" -}}{{ include "ledgerml-lib.componentName" (list . "validator") }}{{- end -}}
{{- define "ledgerml.validatorP2pService" -}}{{ include "ledgerml-lib.componentName" (list . "validator-p2p") }}{{- end -}}
{{- define "ledgerml.validatorRpcService" -}}{{ include "ledgerml-lib.componentName" (list . "validator-rpc") }}{{- end -}}
{{- define "ledgerml.tenantName" -}}{{ include "ledgerml-lib.componentName" (list . "minio") }}{{- end -}}

{{- define "ledgerml.databaseSecret" -}}
{{- if .Values.secrets.database.name -}}{{ .Values.secrets.database.name }}{{- else if eq .Values.database.mode "cnpg" -}}{{ include "ledgerml.pgCluster" . }}-app{{- else -}}{{ fail "secrets.database.name is required with database.mode=external" }}{{- end -}}
{{- end -}}

{{/* The services' Kafka client (ledgerml.shared.messaging.kafka) has no TLS settings: plain listener only. */}}
{{- define "ledgerml.kafkaBootstrap" -}}
{{- if .Values.kafka.tls.enabled -}}{{ fail "kafka.tls.enabled: the services' Kafka client has no TLS settings yet (ledgerml.shared.messaging.kafka); use the plain listener inside the NetworkPolicies" }}{{- end -}}
{{- if eq .Values.kafka.mode "strimzi" -}}{{ include "ledgerml.kafkaCluster" . }}-kafka-bootstrap:9092{{- else -}}{{ required "kafka.bootstrap is required with kafka.mode=external" .Values.kafka.bootstrap }}{{- end -}}
{{- end -}}

{{- define "ledgerml.s3Endpoint" -}}
{{- if eq .Values.objectStore.mode "minio" -}}{{ ternary "https" "http" .Values.objectStore.minio.requestAutoCert }}://minio.{{ .Release.Namespace }}.svc{{- else -}}{{ required "objectStore.endpoint is required with objectStore.mode=external" .Values.objectStore.endpoint }}{{- end -}}
{{- end -}}

{{/* The ledger the services and the bridge use: this organisation's validator (RPC Service), else ledger.rpcUrl. */}}
{{- define "ledgerml.ledgerRpcUrl" -}}
{{- if .Values.validator.enabled -}}http://{{ include "ledgerml.validatorRpcService" . }}:26657{{- else -}}{{ required "ledger.rpcUrl is required with validator.enabled=false" .Values.ledger.rpcUrl | trimSuffix "/" }}{{- end -}}
{{- end -}}

{{/* Secret values as files named like their settings (pydantic-settings secrets_dir of ledgerml.shared). */}}
{{- define "ledgerml.secretDir" -}}/run/secrets/ledgerml{{- end -}}
{{/* Certificates: this service's MSP folder (signcerts/, keystore/). */}}
{{- define "ledgerml.identityDir" -}}/etc/ledgerml/identity{{- end -}}
{{/* The consortium's MSP trust roots, cryptogen layout (ledgerml.shared.identity.load_trust_store). */}}
{{- define "ledgerml.mspRoot" -}}/etc/ledgerml/consortium{{- end -}}
{{/* Every organisation's service endpoints (audit sweeps, partner training services). */}}
{{- define "ledgerml.endpointsFile" -}}/etc/ledgerml/endpoints/endpoints.json{{- end -}}
{{/* The bridge's checkpoint.sqlite and status.json, on its claim. */}}
{{- define "ledgerml.bridgeDataDir" -}}/var/lib/ledgerml/bridge{{- end -}}
{{- define "ledgerml.orgKeyFile" -}}{{ include "ledgerml.secretDir" . }}/org.key{{- end -}}
{{- define "ledgerml.rayTokenFile" -}}{{ include "ledgerml.secretDir" . }}/ray-auth-token{{- end -}}
{{- define "ledgerml.rayTokenDir" -}}/etc/ray-auth{{- end -}}

{{/* "https://host:9000" -> host:9000 and secure=true: the services' S3 client (minio) takes host[:port]. */}}
{{- define "ledgerml.s3Parts" -}}
{{- $url := include "ledgerml.s3Endpoint" . -}}
{{- $secure := not (hasPrefix "http://" $url) -}}
host: {{ $url | trimPrefix "https://" | trimPrefix "http://" | trimSuffix "/" | quote }}
secure: {{ $secure | toString | quote }}
{{- end -}}

{{/* endpoints.json: this organisation's services (in-cluster URLs) plus consortium.partnerEndpoints. */}}
{{- define "ledgerml.endpointsJson" -}}
{{- $own := dict -}}
{{- range $key, $c := (include "ledgerml.catalog" . | fromYaml) }}
{{- if (index $.Values.services $key).enabled }}
{{- $_ := set $own $c.svc (printf "http://%s:8080" (include "ledgerml-lib.componentName" (list $ (kebabcase $key)))) }}
{{- end }}
{{- end -}}
{{- $all := deepCopy .Values.consortium.partnerEndpoints -}}
{{- $_ := set $all .Values.org.mspId $own -}}
{{- toPrettyJson $all -}}
{{- end -}}

{{/*
ledgerml.settings: the non-secret environment of one service, as YAML key: "value" lines. Only names
that are fields of the service's settings class (tests/helm/test_settings_contract.py checks this).
Usage: include "ledgerml.settings" (list $ "LEDGERML_REGISTRY_" <catalog entry>)
*/}}
{{- define "ledgerml.settings" -}}
{{- $ := index . 0 -}}{{- $p := index . 1 -}}{{- $c := index . 2 -}}
{{- $v := $.Values -}}
{{ $p }}ENVIRONMENT: "production"
{{ $p }}HOST: "0.0.0.0"
{{ $p }}PORT: "8080"
{{ $p }}ORG: {{ $v.org.name | quote }}
{{ $p }}MSP_ID: {{ $v.org.mspId | quote }}
{{ $p }}MSP_ROOT: {{ include "ledgerml.mspRoot" $ | quote }}
{{ $p }}AUDITOR_ORGS: {{ toJson $v.consortium.auditorOrgs | quote }}
{{ $p }}LOG_LEVEL: {{ $v.logLevel | quote }}
{{ $p }}IDENTITY_MSP_DIR: {{ printf "%s/msp" (include "ledgerml.identityDir" $) | quote }}
{{ $p }}KAFKA_BOOTSTRAP: {{ include "ledgerml.kafkaBootstrap" $ | quote }}
{{ $p }}LEDGER_RPC_URL: {{ include "ledgerml.ledgerRpcUrl" $ | quote }}
{{ $p }}LEDGER_CHAIN_ID: {{ $v.ledger.chainId | quote }}
{{- if $c.s3 }}
{{- $s3 := include "ledgerml.s3Parts" $ | fromYaml }}
{{ $p }}S3_ENDPOINT: {{ $s3.host | quote }}
{{ $p }}S3_SECURE: {{ $s3.secure | quote }}
{{- end }}
{{- if eq $c.pkg "storage" }}
{{ $p }}S3_REGION: {{ $v.objectStore.region | quote }}
{{ $p }}BUCKET: {{ $v.objectStore.bucket | quote }}
{{ $p }}ORG_KEY_FILE: {{ include "ledgerml.orgKeyFile" $ | quote }}
{{ $p }}GC_GRACE_S: {{ $v.services.storage.gc.graceSeconds | toString | quote }}
{{- end }}
{{- if eq $c.pkg "training" }}
{{- with $v.services.training.modelsBucket }}
{{ $p }}MODELS_BUCKET: {{ . | quote }}
{{- end }}
{{ $p }}CATALOG_DIR: "/app/ray_jobs"
{{ $p }}PARTNER_ENDPOINTS_FILE: {{ include "ledgerml.endpointsFile" $ | quote }}
{{ $p }}WORKER_ENABLED: "false"
{{- if $v.ray.enabled }}
{{ $p }}RESULTS_DIR: {{ $v.services.training.results.mountPath | quote }}
{{ $p }}RAY_ADDRESS: {{ printf "http://%s-head-svc.%s.svc:8265" (include "ledgerml.rayCluster" $) $.Release.Namespace | quote }}
{{- if $v.ray.authToken.enabled }}
{{ $p }}RAY_AUTH_TOKEN_FILE: {{ include "ledgerml.rayTokenFile" $ | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- if eq $c.pkg "audit" }}
{{ $p }}ENDPOINTS_FILE: {{ include "ledgerml.endpointsFile" $ | quote }}
{{- end }}
{{- if or (eq $c.pkg "storage") (eq $c.pkg "training") }}
{{- range $key, $other := (include "ledgerml.catalog" $ | fromYaml) }}
{{- if and (has $other.pkg (list "registry" "access_control" "storage")) (ne $other.pkg $c.pkg) (index $v.services $key).enabled }}
{{ $p }}{{ upper $other.pkg }}_URL: {{ printf "http://%s:8080" (include "ledgerml-lib.componentName" (list $ (kebabcase $key))) | quote }}
{{- end }}
{{- end }}
{{- end }}
{{ $p }}TRACE_EXPORTER: {{ ternary "none" "otlp" (empty $v.otel.endpoint) | quote }}
{{- with $v.otel.endpoint }}
{{ $p }}OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ $v.otel.endpoint | quote }}
OTEL_RESOURCE_ATTRIBUTES: {{ printf "ledgerml.org=%s,ledgerml.msp=%s" $v.org.name $v.org.mspId | quote }}
{{- end -}}

{{/* ledgerml.bridgeSettings: the bridge's environment (LEDGERML_BRIDGE_*, ledgerml.shared.bridge.settings): the
validator it follows, the Kafka it publishes <org>.ledger to (the topic derives from ORG), its checkpoint dir. */}}
{{- define "ledgerml.bridgeSettings" -}}
{{- $v := .Values -}}{{- $p := "LEDGERML_BRIDGE_" -}}
{{ $p }}ENVIRONMENT: "production"
{{ $p }}ORG: {{ $v.org.name | quote }}
{{ $p }}MSP_ID: {{ $v.org.mspId | quote }}
{{ $p }}LOG_LEVEL: {{ $v.logLevel | quote }}
{{ $p }}KAFKA_BOOTSTRAP: {{ include "ledgerml.kafkaBootstrap" . | quote }}
{{ $p }}DATA_DIR: {{ include "ledgerml.bridgeDataDir" . | quote }}
{{ $p }}LEDGER_RPC_URL: {{ include "ledgerml.ledgerRpcUrl" . | quote }}
{{ $p }}LEDGER_CHAIN_ID: {{ $v.ledger.chainId | quote }}
{{ $p }}TRACE_EXPORTER: {{ ternary "none" "otlp" (empty $v.otel.endpoint) | quote }}
{{- with $v.otel.endpoint }}
{{ $p }}OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ $v.otel.endpoint | quote }}
OTEL_RESOURCE_ATTRIBUTES: {{ printf "ledgerml.org=%s,ledgerml.msp=%s" $v.org.name $v.org.mspId | quote }}
{{- end -}}

{{/*
ledgerml.secretVolumes: exactly the secrets and files a process needs. Secret settings go to
/run/secrets/ledgerml/<PREFIX><SETTING> (read by pydantic-settings); key files referenced by a *_FILE
setting (org.key, ray-auth-token) sit beside them under names that are no setting; the MSP identity
under /etc/ledgerml/identity; the consortium's trust roots under /etc/ledgerml/consortium.
Usage: include "ledgerml.secretVolumes" (list $ "LEDGERML_REGISTRY_" <catalog entry>)
*/}}
{{- define "ledgerml.secretVolumes" -}}
{{- $ := index . 0 -}}{{- $p := index . 1 -}}{{- $c := index . 2 -}}{{- $s := $.Values.secrets -}}
{{- $t := $.Values.consortium.trustMaterial -}}
- name: secrets
  projected:
    defaultMode: 0440
    sources:
      - secret:
          name: {{ include "ledgerml.databaseSecret" $ }}
          items: [{key: {{ $s.database.key }}, path: {{ $p }}DATABASE_URL}]
      {{- if $c.s3 }}
      - secret:
          name: {{ $s.objectStore.name }}
          items: [{key: {{ $s.objectStore.accessKeyKey }}, path: {{ $p }}S3_ACCESS_KEY}, {key: {{ $s.objectStore.secretKeyKey }}, path: {{ $p }}S3_SECRET_KEY}]
      {{- end }}
      {{- if $c.orgKey }}
      - secret:
          name: {{ $s.orgKey.name }}
          items: [{key: {{ $s.orgKey.key }}, path: org.key}]
      {{- end }}
      {{- if and (eq $c.pkg "training") $.Values.ray.enabled $.Values.ray.authToken.enabled }}
      - secret:
          name: {{ $.Values.ray.authToken.secret }}
          items: [{key: {{ $.Values.ray.authToken.key }}, path: ray-auth-token}]
      {{- end }}
- name: identity
  projected:
    defaultMode: 0440
    sources:
      - secret:
          name: {{ $s.mspIdentity.name }}
          items: [{key: {{ $s.mspIdentity.certKey }}, path: msp/signcerts/cert.pem}, {key: {{ $s.mspIdentity.keyKey }}, path: msp/keystore/key.pem}]
- name: consortium
  projected:
    defaultMode: 0444
    sources:
      - {{ ternary "configMap" "secret" (eq $t.kind "ConfigMap") }}:
          name: {{ $t.name }}
          items:
            {{- range $t.orgs }}
            {{- $label := first (splitList "." .domain) }}
            {{- $derived := printf "%s%sMSP" (upper (substr 0 1 $label)) (lower (substr 1 -1 $label)) }}
            {{- if ne $derived .mspId }}{{ fail (printf "consortium.trustMaterial.orgs: domain %s yields MSP id %s (first label, capitalised, + MSP), not %s" .domain $derived .mspId) }}{{ end }}
            - {key: {{ .cacertKey }}, path: {{ printf "peerOrganizations/%s/msp/cacerts/ca.pem" .domain }}}
            - {key: {{ .configKey }}, path: {{ printf "peerOrganizations/%s/msp/config.yaml" .domain }}}
            {{- end }}
{{- if $c.endpoints }}
- name: endpoints
  configMap:
    name: {{ include "ledgerml-lib.componentName" (list $ "endpoints") }}
    items: [{key: endpoints.json, path: endpoints.json}]
{{- end }}
{{- if and (eq $c.pkg "training") $.Values.ray.enabled }}
- name: results
  persistentVolumeClaim:
    claimName: {{ required "services.training.results.claimName is required (a ReadWriteMany claim shared with the Ray pods)" $.Values.services.training.results.claimName }}
{{- end }}
{{- end -}}

{{/* The volumeMounts matching ledgerml.secretVolumes. */}}
{{- define "ledgerml.secretMounts" -}}
{{- $ := index . 0 -}}{{- $c := index . 1 -}}
- {name: secrets, mountPath: {{ include "ledgerml.secretDir" $ }}, readOnly: true}
- {name: identity, mountPath: {{ include "ledgerml.identityDir" $ }}, readOnly: true}
- {name: consortium, mountPath: {{ include "ledgerml.mspRoot" $ }}, readOnly: true}
{{- if $c.endpoints }}
- {name: endpoints, mountPath: {{ dir (include "ledgerml.endpointsFile" $) }}, readOnly: true}
{{- end }}
{{- if and (eq $c.pkg "training") $.Values.ray.enabled }}
- {name: results, mountPath: {{ $.Values.services.training.results.mountPath }}}
{{- end }}
{{- end -}}

{{/* Service key -> package, component and needs. The single place that says which service mounts what. */}}
{{- define "ledgerml.catalog" -}}
registry: {pkg: registry, s3: false, orgKey: false}
accessControl: {pkg: access_control, s3: false, orgKey: false}
storage: {pkg: storage, s3: true, orgKey: true}
training: {pkg: training, s3: true, orgKey: false}
audit: {pkg: audit, s3: false, orgKey: false}
{{- end -}}

{{- define "ledgerml.pgCluster" -}}{{ include "ledgerml-lib.componentName" (list . "pg") }}{{- end -}}
{{- define "ledgerml.kafkaCluster" -}}{{ include "ledgerml-lib.componentName" (list . "kafka") }}{{- end -}}
{{- define "ledgerml.rayCluster" -}}{{ include "ledgerml-lib.componentName" (list . "ray") }}{{- end -}}
{{- define "ledgerml.peerName" -}}{{ include "ledgerml-lib.componentName" (list . "peer") }}{{- end -}}
{{- define "ledgerml.tenantName" -}}{{ include "ledgerml-lib.componentName" (list . "minio") }}{{- end -}}

{{- define "ledgerml.databaseSecret" -}}
{{- if .Values.secrets.database.name -}}{{ .Values.secrets.database.name }}{{- else if eq .Values.database.mode "cnpg" -}}{{ include "ledgerml.pgCluster" . }}-app{{- else -}}{{ fail "secrets.database.name is required with database.mode=external" }}{{- end -}}
{{- end -}}

{{- define "ledgerml.kafkaBootstrap" -}}
{{- if eq .Values.kafka.mode "strimzi" -}}{{ include "ledgerml.kafkaCluster" . }}-kafka-bootstrap:{{ ternary 9093 9092 .Values.kafka.tls.enabled }}{{- else -}}{{ required "kafka.bootstrap is required with kafka.mode=external" .Values.kafka.bootstrap }}{{- end -}}
{{- end -}}

{{- define "ledgerml.kafkaCaSecret" -}}
{{- if .Values.kafka.tls.caSecret -}}{{ .Values.kafka.tls.caSecret }}{{- else if eq .Values.kafka.mode "strimzi" -}}{{ include "ledgerml.kafkaCluster" . }}-cluster-ca-cert{{- else -}}{{ fail "kafka.tls.caSecret is required with kafka.mode=external and TLS" }}{{- end -}}
{{- end -}}

{{- define "ledgerml.s3Endpoint" -}}
{{- if eq .Values.objectStore.mode "minio" -}}{{ ternary "https" "http" .Values.objectStore.minio.requestAutoCert }}://minio.{{ .Release.Namespace }}.svc{{- else -}}{{ required "objectStore.endpoint is required with objectStore.mode=external" .Values.objectStore.endpoint }}{{- end -}}
{{- end -}}

{{- define "ledgerml.peerEndpoint" -}}
{{- if eq .Values.fabric.mode "operator" -}}{{ include "ledgerml.peerName" . }}.{{ .Release.Namespace }}.svc:7051{{- else -}}{{ required "fabric.peerEndpoint is required with fabric.mode=external" .Values.fabric.peerEndpoint }}{{- end -}}
{{- end -}}

{{/* Secret values as files named like their settings (pydantic-settings secrets_dir of ledgerml.shared). */}}
{{- define "ledgerml.secretDir" -}}/run/secrets/ledgerml{{- end -}}
{{/* Certificates: the MSP folder (signcerts/, keystore/) and the TLS CAs. */}}
{{- define "ledgerml.identityDir" -}}/etc/ledgerml/identity{{- end -}}

{{/*
ledgerml.settings: the non-secret environment of one process, as YAML key: "value" lines.
Usage: include "ledgerml.settings" (list $ "LEDGERML_REGISTRY_" <catalog entry>)
*/}}
{{- define "ledgerml.settings" -}}
{{- $ := index . 0 -}}{{- $p := index . 1 -}}{{- $c := index . 2 -}}
{{- $id := include "ledgerml.identityDir" $ -}}
{{- $v := $.Values -}}
{{ $p }}ENVIRONMENT: "production"
{{ $p }}HOST: "0.0.0.0"
{{ $p }}PORT: "8080"
{{ $p }}ORG: {{ $v.org.name | quote }}
{{ $p }}MSP_ID: {{ $v.org.mspId | quote }}
{{ $p }}ORG_ROLE: {{ $v.org.role | quote }}
{{ $p }}LOG_LEVEL: {{ $v.logLevel | quote }}
{{ $p }}IDENTITY_MSP_DIR: {{ printf "%s/msp" $id | quote }}
{{ $p }}KAFKA_BOOTSTRAP: {{ include "ledgerml.kafkaBootstrap" $ | quote }}
{{ $p }}KAFKA_SECURITY_PROTOCOL: {{ ternary "SSL" "PLAINTEXT" $v.kafka.tls.enabled | quote }}
{{- if $v.kafka.tls.enabled }}
{{ $p }}KAFKA_SSL_CAFILE: {{ printf "%s/kafka-ca.crt" $id | quote }}
{{- end }}
{{ $p }}FABRIC_PEER_ENDPOINT: {{ include "ledgerml.peerEndpoint" $ | quote }}
{{ $p }}FABRIC_PEER_HOST_OVERRIDE: {{ $v.fabric.peerHostOverride | quote }}
{{ $p }}FABRIC_TLS_CA: {{ printf "%s/fabric-tls-ca.pem" $id | quote }}
{{ $p }}FABRIC_CHANNEL: {{ $v.fabric.channel | quote }}
{{ $p }}FABRIC_CHAINCODE: {{ $v.fabric.chaincode | quote }}
{{- if $c.s3 }}
{{ $p }}S3_ENDPOINT: {{ include "ledgerml.s3Endpoint" $ | quote }}
{{ $p }}S3_REGION: {{ $v.objectStore.region | quote }}
{{ $p }}S3_BUCKET: {{ $v.objectStore.bucket | quote }}
{{- end }}
{{- if and (eq $c.pkg "training") $v.ray.enabled }}
{{ $p }}RAY_ADDRESS: {{ printf "http://%s-head-svc.%s.svc:8265" (include "ledgerml.rayCluster" $) $.Release.Namespace | quote }}
{{- end }}
{{- range $key, $other := (include "ledgerml.catalog" $ | fromYaml) }}
{{- if (index $v.services $key).enabled }}
{{ $p }}{{ upper $other.pkg }}_URL: {{ printf "http://%s:8080" (include "ledgerml-lib.componentName" (list $ (kebabcase $key))) | quote }}
{{- end }}
{{- end }}
{{ $p }}TRACE_EXPORTER: {{ ternary "none" "otlp" (empty $v.otel.endpoint) | quote }}
{{ $p }}OTLP_ENDPOINT: {{ $v.otel.endpoint | quote }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ $v.otel.endpoint | quote }}
OTEL_RESOURCE_ATTRIBUTES: {{ printf "ledgerml.org=%s,ledgerml.msp=%s" $v.org.name $v.org.mspId | quote }}
{{- end -}}

{{/*
ledgerml.secretVolumes: exactly the secrets a process needs, as files. Secret values go to
/run/secrets/ledgerml/<PREFIX><SETTING> (read by pydantic-settings); certificates to the identity dir.
Usage: include "ledgerml.secretVolumes" (list $ "LEDGERML_REGISTRY_" <catalog entry>)
*/}}
{{- define "ledgerml.secretVolumes" -}}
{{- $ := index . 0 -}}{{- $p := index . 1 -}}{{- $c := index . 2 -}}{{- $s := $.Values.secrets -}}
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
          items: [{key: {{ $s.orgKey.key }}, path: {{ $p }}ORG_KEY}]
      {{- end }}
- name: identity
  projected:
    defaultMode: 0440
    sources:
      - secret:
          name: {{ $s.mspIdentity.name }}
          items: [{key: {{ $s.mspIdentity.certKey }}, path: msp/signcerts/cert.pem}, {key: {{ $s.mspIdentity.keyKey }}, path: msp/keystore/key.pem}]
      - secret:
          name: {{ $s.fabricTlsCa.name }}
          items: [{key: {{ $s.fabricTlsCa.key }}, path: fabric-tls-ca.pem}]
      {{- if $.Values.kafka.tls.enabled }}
      - secret:
          name: {{ include "ledgerml.kafkaCaSecret" $ }}
          items: [{key: {{ $.Values.kafka.tls.caKey }}, path: kafka-ca.crt}]
      {{- end }}
{{- end -}}

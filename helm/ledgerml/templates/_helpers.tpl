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

{{- define "ledgerml.databaseHost" -}}
{{- if eq .Values.database.mode "cnpg" -}}{{ include "ledgerml.pgCluster" . }}-rw{{- else -}}{{ required "database.host is required with database.mode=external" .Values.database.host }}{{- end -}}
{{- end -}}

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

{{/* Files under /var/run/secrets/ledgerml that the settings point at. */}}
{{- define "ledgerml.secretDir" -}}/var/run/secrets/ledgerml{{- end -}}

{{/*
ledgerml.settings: the non-secret environment of one process, as YAML key: "value" lines.
Usage: include "ledgerml.settings" (list $ "LEDGERML_REGISTRY_" <catalog entry>)
*/}}
{{- define "ledgerml.settings" -}}
{{- $ := index . 0 -}}{{- $p := index . 1 -}}{{- $c := index . 2 -}}
{{- $dir := include "ledgerml.secretDir" $ -}}
{{- $v := $.Values -}}
{{ $p }}ORG_NAME: {{ $v.org.name | quote }}
{{ $p }}ORG_MSP_ID: {{ $v.org.mspId | quote }}
{{ $p }}ORG_ROLE: {{ $v.org.role | quote }}
{{ $p }}LOG_LEVEL: {{ $v.logLevel | quote }}
{{ $p }}DATABASE_URL: {{ printf "%s://%s@%s:%d/%s?sslmode=%s" $v.database.driver $v.database.user (include "ledgerml.databaseHost" $) (int $v.database.port) $v.database.name $v.database.sslMode | quote }}
{{ $p }}DATABASE_PASSWORD_FILE: {{ printf "%s/database/password" $dir | quote }}
{{ $p }}KAFKA_BOOTSTRAP: {{ include "ledgerml.kafkaBootstrap" $ | quote }}
{{ $p }}KAFKA_TOPIC_PREFIX: {{ $v.org.name | quote }}
{{ $p }}KAFKA_SECURITY_PROTOCOL: {{ ternary "SSL" "PLAINTEXT" $v.kafka.tls.enabled | quote }}
{{- if $v.kafka.tls.enabled }}
{{ $p }}KAFKA_SSL_CAFILE: {{ printf "%s/kafka/ca.crt" $dir | quote }}
{{- end }}
{{ $p }}FABRIC_PEER_ENDPOINT: {{ include "ledgerml.peerEndpoint" $ | quote }}
{{ $p }}FABRIC_PEER_HOST_OVERRIDE: {{ $v.fabric.peerHostOverride | quote }}
{{ $p }}FABRIC_TLS_CA_FILE: {{ printf "%s/fabric/tls-ca.pem" $dir | quote }}
{{ $p }}FABRIC_CHANNEL: {{ $v.fabric.channel | quote }}
{{ $p }}FABRIC_CHAINCODE: {{ $v.fabric.chaincode | quote }}
{{ $p }}MSP_CERT_FILE: {{ printf "%s/msp/cert.pem" $dir | quote }}
{{ $p }}MSP_KEY_FILE: {{ printf "%s/msp/key.pem" $dir | quote }}
{{- if $c.s3 }}
{{ $p }}S3_ENDPOINT: {{ include "ledgerml.s3Endpoint" $ | quote }}
{{ $p }}S3_REGION: {{ $v.objectStore.region | quote }}
{{ $p }}S3_BUCKET: {{ $v.objectStore.bucket | quote }}
{{ $p }}S3_ACCESS_KEY_FILE: {{ printf "%s/s3/access-key" $dir | quote }}
{{ $p }}S3_SECRET_KEY_FILE: {{ printf "%s/s3/secret-key" $dir | quote }}
{{- end }}
{{- if $c.orgKey }}
{{ $p }}ORG_KEY_FILE: {{ printf "%s/org/org.key" $dir | quote }}
{{- end }}
{{- if and (eq $c.pkg "training") $v.ray.enabled }}
{{ $p }}RAY_ADDRESS: {{ printf "http://%s-head-svc.%s.svc:8265" (include "ledgerml.rayCluster" $) $.Release.Namespace | quote }}
{{- end }}
{{- range $key, $other := (include "ledgerml.catalog" $ | fromYaml) }}
{{- if (index $v.services $key).enabled }}
{{ $p }}{{ upper $other.pkg }}_URL: {{ printf "http://%s:8080" (include "ledgerml-lib.componentName" (list $ (kebabcase $key))) | quote }}
{{- end }}
{{- end }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ $v.otel.endpoint | quote }}
OTEL_SDK_DISABLED: {{ ternary "true" "false" (empty $v.otel.endpoint) | quote }}
OTEL_RESOURCE_ATTRIBUTES: {{ printf "ledgerml.org=%s,ledgerml.msp=%s" $v.org.name $v.org.mspId | quote }}
{{- end -}}

{{/*
ledgerml.secretVolume: one projected volume with exactly the secrets a process needs, as files.
Usage: include "ledgerml.secretVolume" (list $ <catalog entry>)
*/}}
{{- define "ledgerml.secretVolume" -}}
{{- $ := index . 0 -}}{{- $c := index . 1 -}}{{- $s := $.Values.secrets -}}
- name: secrets
  projected:
    defaultMode: 0440
    sources:
      - secret:
          name: {{ include "ledgerml.databaseSecret" $ }}
          items: [{key: {{ $s.database.key }}, path: database/password}]
      - secret:
          name: {{ $s.mspIdentity.name }}
          items: [{key: {{ $s.mspIdentity.certKey }}, path: msp/cert.pem}, {key: {{ $s.mspIdentity.keyKey }}, path: msp/key.pem}]
      - secret:
          name: {{ $s.fabricTlsCa.name }}
          items: [{key: {{ $s.fabricTlsCa.key }}, path: fabric/tls-ca.pem}]
      {{- if $.Values.kafka.tls.enabled }}
      - secret:
          name: {{ include "ledgerml.kafkaCaSecret" $ }}
          items: [{key: {{ $.Values.kafka.tls.caKey }}, path: kafka/ca.crt}]
      {{- end }}
      {{- if $c.s3 }}
      - secret:
          name: {{ $s.objectStore.name }}
          items: [{key: {{ $s.objectStore.accessKeyKey }}, path: s3/access-key}, {key: {{ $s.objectStore.secretKeyKey }}, path: s3/secret-key}]
      {{- end }}
      {{- if $c.orgKey }}
      - secret:
          name: {{ $s.orgKey.name }}
          items: [{key: {{ $s.orgKey.key }}, path: org/org.key}]
      {{- end }}
{{- end -}}

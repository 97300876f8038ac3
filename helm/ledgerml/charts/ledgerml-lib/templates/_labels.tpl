{{/*
ledgerml-lib.selectorLabels: the immutable labels a selector matches on.
Usage: include "ledgerml-lib.selectorLabels" (list $ "registry")
*/}}
{{- define "ledgerml-lib.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/*
ledgerml-lib.labels: the standard app.kubernetes.io/* labels plus the organisation.
Usage: include "ledgerml-lib.labels" (list $ "registry")
*/}}
{{- define "ledgerml-lib.labels" -}}
{{- $root := index . 0 -}}
{{ include "ledgerml-lib.selectorLabels" . }}
app.kubernetes.io/part-of: ledgerml
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" }}
ledgerml.io/org: {{ $root.Values.org.name }}
{{- end -}}

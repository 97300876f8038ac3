{{/*
ledgerml-lib.fullname: release-scoped base name, at most 63 characters.
Usage: include "ledgerml-lib.fullname" .
*/}}
{{- define "ledgerml-lib.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
ledgerml-lib.componentName: "<fullname>-<component>", at most 63 characters.
Usage: include "ledgerml-lib.componentName" (list $ "registry")
*/}}
{{- define "ledgerml-lib.componentName" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "ledgerml-lib.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
ledgerml-lib.image: "registry/repository:tag" from an image block {registry, repository, tag}.
Usage: include "ledgerml-lib.image" .Values.image
*/}}
{{- define "ledgerml-lib.image" -}}
{{- if .registry -}}
{{- printf "%s/%s:%s" .registry .repository .tag -}}
{{- else -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}
{{- end -}}

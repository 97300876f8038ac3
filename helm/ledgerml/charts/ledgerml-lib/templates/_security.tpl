{{/*
ledgerml-lib.podSecurityContext: non-root pod, RuntimeDefault seccomp (Pod Security "restricted").
Usage: include "ledgerml-lib.podSecurityContext" 10001   (the numeric uid/gid of the image's user)
*/}}
{{- define "ledgerml-lib.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
ledgerml-lib.containerSecurityContext: read-only root filesystem, no privilege escalation, no capabilities.
*/}}
{{- define "ledgerml-lib.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

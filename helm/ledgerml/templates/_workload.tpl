{{/*
ledgerml.podSpec: the pod of one services-image process: python -m <args> with the service's settings.
Only an API ("http" true) gets the port and the HTTP probes; relays, consumers, workers and jobs serve nothing.
Without an "entry" (the bridge) the pod mounts no secret, identity or trust material at all; "data" mounts a
claim read-write (the bridge's checkpoint).
Usage: include "ledgerml.podSpec" (dict "root" $ "component" "registry" "account" "registry" "config" "<configmap>"
         "prefix" "LEDGERML_REGISTRY_" "entry" <catalog entry> "args" (list ...) "resources" {...} "http" true
         "restartPolicy" "Always" "data" (dict "claim" "<pvc>" "path" "/var/lib/...") )
*/}}
{{- define "ledgerml.podSpec" -}}
{{- $ := .root -}}
serviceAccountName: {{ include "ledgerml-lib.componentName" (list $ .account) }}
automountServiceAccountToken: false
{{- with .restartPolicy }}
restartPolicy: {{ . }}
{{- end }}
securityContext:
  {{- include "ledgerml-lib.podSecurityContext" 10001 | nindent 2 }}
{{- with $.Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
containers:
  - name: {{ .component }}
    image: {{ include "ledgerml-lib.image" $.Values.image }}
    imagePullPolicy: {{ $.Values.image.pullPolicy }}
    command: ["python", "-m"]
    args: {{ toJson .args }}
    {{- if .http }}
    ports:
      - {name: http, containerPort: 8080, protocol: TCP}
    {{- end }}
    envFrom:
      - configMapRef:
          name: {{ .config }}
    env:
      - {name: OTEL_SERVICE_NAME, value: {{ printf "ledgerml-%s" .component | quote }}}
    {{- if .http }}
    livenessProbe:
      httpGet: {path: /healthz, port: http}
      periodSeconds: 10
      timeoutSeconds: 2
      failureThreshold: 3
    readinessProbe:
      httpGet: {path: /readyz, port: http}
      periodSeconds: 5
      timeoutSeconds: 2
      failureThreshold: 3
    startupProbe:
      httpGet: {path: /healthz, port: http}
      periodSeconds: 2
      failureThreshold: 30
    {{- end }}
    resources:
      {{- toYaml .resources | nindent 6 }}
    securityContext:
      {{- include "ledgerml-lib.containerSecurityContext" $ | nindent 6 }}
    volumeMounts:
      {{- with .entry }}
      {{- include "ledgerml.secretMounts" (list $ .) | nindent 6 }}
      {{- end }}
      {{- with .data }}
      - {name: data, mountPath: {{ .path }}}
      {{- end }}
      - {name: tmp, mountPath: /tmp}
volumes:
  {{- if .entry }}
  {{- include "ledgerml.secretVolumes" (list $ .prefix .entry) | nindent 2 }}
  {{- end }}
  {{- with .data }}
  - name: data
    persistentVolumeClaim: {claimName: {{ .claim }}}
  {{- end }}
  - name: tmp
    emptyDir: {sizeLimit: 256Mi}
{{- end -}}

{{/*
ledgerml.deployment: a Deployment of the services image (arguments of ledgerml.podSpec plus "settings",
"replicas", "autoscaled" and an optional "strategy": Recreate for a process that must never run twice).
*/}}
{{- define "ledgerml.deployment" -}}
{{- $ := .root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "ledgerml-lib.componentName" (list $ .component) }}
  labels:
    {{- include "ledgerml-lib.labels" (list $ .component) | nindent 4 }}
spec:
  {{- if not .autoscaled }}
  replicas: {{ .replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  {{- with .strategy }}
  strategy: {type: {{ . }}}
  {{- end }}
  selector:
    matchLabels:
      {{- include "ledgerml-lib.selectorLabels" (list $ .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "ledgerml-lib.labels" (list $ .component) | nindent 8 }}
      annotations:
        checksum/config: {{ .settings | sha256sum }}
    spec:
      {{- include "ledgerml.podSpec" . | nindent 6 }}
{{- end -}}

{{/*
ledgerml.deployment: a Deployment of the services image.
Usage: include "ledgerml.deployment" (dict "root" $ "component" "registry" "config" "<configmap>"
         "settings" <rendered settings> "prefix" "LEDGERML_REGISTRY_" "entry" <catalog entry> "args" (list ...) "resources" {...}
         "replicas" 2 "autoscaled" false)
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
      serviceAccountName: {{ include "ledgerml-lib.componentName" (list $ .account) }}
      automountServiceAccountToken: false
      securityContext:
        {{- include "ledgerml-lib.podSecurityContext" 10001 | nindent 8 }}
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
          ports:
            - {name: http, containerPort: 8080, protocol: TCP}
          envFrom:
            - configMapRef:
                name: {{ .config }}
          env:
            - {name: OTEL_SERVICE_NAME, value: {{ printf "ledgerml-%s" .component | quote }}}
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
          resources:
            {{- toYaml .resources | nindent 12 }}
          securityContext:
            {{- include "ledgerml-lib.containerSecurityContext" $ | nindent 12 }}
          volumeMounts:
            - {name: secrets, mountPath: {{ include "ledgerml.secretDir" $ }}, readOnly: true}
            - {name: identity, mountPath: {{ include "ledgerml.identityDir" $ }}, readOnly: true}
            - {name: tmp, mountPath: /tmp}
      volumes:
        {{- include "ledgerml.secretVolumes" (list $ .prefix .entry) | nindent 8 }}
        - name: tmp
          emptyDir: {sizeLimit: 256Mi}
{{- end -}}

{{- define "purchase-saga.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "purchase-saga.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "purchase-saga.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* Environment every process shares: the ConfigMap, the Temporal connection, secrets as files. */}}
{{- define "purchase-saga.env" -}}
- name: NODE_ENV
  value: production
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
{{- if .Values.temporal.tls.enabled }}
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: /var/run/secrets/temporal-tls/tls.crt
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: /var/run/secrets/temporal-tls/tls.key
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: /var/run/secrets/temporal-tls/ca.crt
{{- with .Values.temporal.tls.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if .Values.temporal.apiKey.existingSecret }}
- name: TEMPORAL_API_KEY_FILE
  value: /var/run/secrets/temporal-api-key/{{ .Values.temporal.apiKey.key }}
{{- end }}
- name: DATABASE_URL_FILE
  value: /var/run/secrets/purchase-saga/{{ .Values.secrets.keys.storeDatabaseUrl }}
- name: SUPPLIER_DATABASE_URL_FILE
  value: /var/run/secrets/purchase-saga/{{ .Values.secrets.keys.supplierDatabaseUrl }}
- name: CARRIER_DATABASE_URL_FILE
  value: /var/run/secrets/purchase-saga/{{ .Values.secrets.keys.carrierDatabaseUrl }}
- name: ADMIN_PASSWORD_FILE
  value: /var/run/secrets/purchase-saga/{{ .Values.secrets.keys.adminPassword }}
- name: SUPPLIER_URL
  value: http://{{ include "purchase-saga.fullname" . }}-supplier:{{ .Values.processes.supplier.port }}
- name: CARRIER_URL
  value: http://{{ include "purchase-saga.fullname" . }}-carrier:{{ .Values.processes.carrier.port }}
- name: SERVICE_TOKEN_FILE
  value: /var/run/secrets/purchase-saga/{{ required "secrets.keys.serviceToken is required: the owners' APIs answer only callers presenting it" .Values.secrets.keys.serviceToken }}
- name: PAYLOAD_KEYS_FILE
  value: /var/run/secrets/purchase-saga/{{ required "secrets.keys.payloadKeys is required: every process encrypts and decrypts Temporal payloads with them" .Values.secrets.keys.payloadKeys }}
{{- with .Values.secrets.keys.consulToken }}
- name: CONSUL_HTTP_TOKEN_FILE
  value: /var/run/secrets/purchase-saga/{{ . }}
{{- end }}
# Listen on every interface; register in Consul the pod's own address, under the pod's name (one id per replica).
- name: SERVICE_HOST
  value: 0.0.0.0
- name: SERVICE_ADDRESS
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- end -}}

{{/* One egress rule: TCP `ports`, to the `to` peers (any destination on those ports when `to` is empty). */}}
{{- define "purchase-saga.egressRule" -}}
- ports:
  {{- range .ports }}
    - port: {{ . }}
      protocol: TCP
  {{- end }}
  {{- with .to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* Several gateway replicas share their rate limits and login throttles through Redis, or each counts alone. */}}
{{- define "purchase-saga.requireRedis" -}}
{{- $gateway := .Values.processes.gateway -}}
{{- $many := or (gt (int $gateway.replicas) 1) (and $gateway.autoscaling.enabled (gt (int $gateway.autoscaling.maxReplicas) 1)) -}}
{{- if and $many (not .Values.secrets.keys.redisUrl) -}}
{{- fail "processes.gateway runs more than one replica: set secrets.keys.redisUrl (the Secret's key holding REDIS_URL), so that rate limits and login throttles are shared, or run one gateway replica" -}}
{{- end -}}
{{- end -}}

{{- define "purchase-saga.volumeMounts" -}}
- name: secrets
  mountPath: /var/run/secrets/purchase-saga
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  mountPath: /var/run/secrets/temporal-tls
  readOnly: true
{{- end }}
{{- if .Values.temporal.apiKey.existingSecret }}
- name: temporal-api-key
  mountPath: /var/run/secrets/temporal-api-key
  readOnly: true
{{- end }}
{{- end -}}

{{- define "purchase-saga.volumes" -}}
- name: secrets
  secret:
    secretName: {{ .Values.secrets.existingSecret }}
- name: tmp
  emptyDir: {}
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  secret:
    secretName: {{ required "temporal.tls.existingSecret is required when temporal.tls.enabled" .Values.temporal.tls.existingSecret }}
{{- end }}
{{- if .Values.temporal.apiKey.existingSecret }}
- name: temporal-api-key
  secret:
    secretName: {{ .Values.temporal.apiKey.existingSecret }}
{{- end }}
{{- end -}}

{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "rest2mcp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release-chart unless the release name already holds the chart name. */}}
{{- define "rest2mcp.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "rest2mcp.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "rest2mcp.labels" -}}
helm.sh/chart: {{ include "rest2mcp.chart" . }}
{{ include "rest2mcp.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels selecting the gateway's pods. */}}
{{- define "rest2mcp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rest2mcp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "rest2mcp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "rest2mcp.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Container paths; the Dockerfile uses the same ones. */}}
{{- define "rest2mcp.configDir" -}}/etc/rest2mcp{{- end }}
{{- define "rest2mcp.dataDir" -}}/var/lib/rest2mcp{{- end }}
{{- define "rest2mcp.cacheDir" -}}/var/cache/rest2mcp{{- end }}

{{/* Whether a configuration file is rendered (config or specFiles given). */}}
{{- define "rest2mcp.hasConfig" -}}
{{- if or .Values.config .Values.specFiles }}true{{- end }}
{{- end }}

{{/*
Checks the combination of values and fails with an actionable message; every
template includes it so that no partial set of manifests renders.
*/}}
{{- define "rest2mcp.validate" -}}
{{- $store := .Values.store.type }}
{{- if not (has $store (list "sqlite" "postgres")) }}
{{- fail (printf "store.type must be sqlite or postgres, not %q" $store) }}
{{- end }}
{{- if eq $store "sqlite" }}
{{- if gt (int .Values.replicaCount) 1 }}
{{- fail (printf "store.type sqlite allows one replica (replicaCount is %d): use store.type postgres (values-postgres.yaml) to run several" (int .Values.replicaCount)) }}
{{- end }}
{{- if .Values.autoscaling.enabled }}
{{- fail "store.type sqlite allows one replica: autoscaling needs store.type postgres (values-postgres.yaml)" }}
{{- end }}
{{- $strategy := get .Values.strategy "type" }}
{{- if and $strategy (ne $strategy "Recreate") }}
{{- fail (printf "store.type sqlite needs strategy.type Recreate (not %s): two pods must never open the database or its ReadWriteOnce volume at once" $strategy) }}
{{- end }}
{{- end }}
{{- if and (eq $store "postgres") (not .Values.store.postgres.existingSecret) }}
{{- fail "store.type postgres needs store.postgres.existingSecret: the name of a Secret holding the DSN under store.postgres.dsnKey (kubectl create secret generic rest2mcp-store --from-literal=dsn='postgres://…')" }}
{{- end }}
{{- if and .Values.podDisruptionBudget.enabled (not (hasKey .Values.podDisruptionBudget "minAvailable")) (not (hasKey .Values.podDisruptionBudget "maxUnavailable")) }}
{{- fail "podDisruptionBudget.enabled needs maxUnavailable or minAvailable" }}
{{- end }}
{{- if not .Values.adminToken.existingSecret }}
{{- fail "adminToken.existingSecret is required: away from loopback the registry's admin API needs a token (kubectl create secret generic rest2mcp-admin --from-literal=token=\"$(openssl rand -hex 32)\")" }}
{{- end }}
{{- if not (or .Values.registry.issuers .Values.insecureNoAuth (and .Values.config (get .Values.config "insecureNoAuth"))) }}
{{- fail "registry.issuers: away from loopback the stored APIs need a trusted token issuer (--issuer), or insecureNoAuth: true on a trusted network" }}
{{- end }}
{{- if .Values.config }}
{{- if hasKey .Values.config "store" }}
{{- fail "config.store: leave it out; the chart sets the store from store.type (a DSN belongs in a Secret: store.postgres.existingSecret)" }}
{{- end }}
{{- if regexMatch "(?m)^\\s*(- )?value: [^{]" (toYaml .Values.config) }}
{{- fail "config holds a secret in clear ({value: …}): use {fromEnv: NAME} with secretEnv, or {fromFile: PATH} with extraVolumes" }}
{{- end }}
{{- if hasKey .Values.config "listen" }}
{{- fail "config.listen: leave it out; the chart sets REST2MCP_LISTEN from containerPort" }}
{{- end }}
{{- end }}
{{- if and .Values.ingress.enabled (not .Values.ingress.hosts) }}
{{- fail "ingress.enabled needs at least one entry in ingress.hosts" }}
{{- end }}
{{- range .Values.secretEnv }}
{{- if not (and .name .secretName .key) }}
{{- fail (printf "secretEnv entries need name, secretName and key: %v" .) }}
{{- end }}
{{- end }}
{{- end }}

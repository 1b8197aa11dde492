{{/* Names, labels and the pieces of leap-mock's settings shared by several templates. */}}

{{- define "leap-mock.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "leap-mock.fullname" -}}
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

{{- define "leap-mock.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "leap-mock.selectorLabels" -}}
app.kubernetes.io/name: {{ include "leap-mock.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "leap-mock.labels" -}}
helm.sh/chart: {{ include "leap-mock.chart" . }}
{{ include "leap-mock.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "leap-mock.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "leap-mock.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "leap-mock.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The in-cluster base URL of the Service. */}}
{{- define "leap-mock.serviceUrl" -}}
{{- printf "http://%s.%s.svc:%v" (include "leap-mock.fullname" .) .Release.Namespace .Values.service.port }}
{{- end }}

{{/* server.public_url: the value given, else derived from the first ingress host, else empty
     (leap-mock then uses http://localhost:<port>). */}}
{{- define "leap-mock.publicUrl" -}}
{{- if .Values.config.server.publicUrl }}
{{- .Values.config.server.publicUrl }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- $host := (first .Values.ingress.hosts).host }}
{{- $tls := false }}
{{- range .Values.ingress.tls }}{{ if has $host .hosts }}{{ $tls = true }}{{ end }}{{ end }}
{{- printf "%s://%s" (ternary "https" "http" $tls) $host }}
{{- end }}
{{- end }}

{{/* Where config.webhooks.caCert is mounted (a key of the ConfigMap mounted at /etc/leap-mock). */}}
{{- define "leap-mock.webhookCaPath" -}}
/etc/leap-mock/webhook-ca.pem
{{- end }}

{{/* A TOML float: Go prints 1.0 as "1", which TOML reads as an integer. */}}
{{- define "leap-mock.tomlFloat" -}}
{{- $s := toString (float64 .) }}
{{- if or (contains "." $s) (contains "e" $s) (contains "E" $s) }}{{ $s }}{{ else }}{{ $s }}.0{{ end }}
{{- end }}

{{/* The environment variable holding one setting of one org: LEAP_MOCK__ORGS__ACME__API_KEY. */}}
{{- define "leap-mock.orgEnv" -}}
{{- printf "LEAP_MOCK__ORGS__%s__%s" (upper (index . 0)) (index . 1) }}
{{- end }}

{{/* The secret settings as `ENV_NAME: "value"` lines, only those that are set. Empty when the
     chart renders no Secret. */}}
{{- define "leap-mock.secretEnv" -}}
{{- with .Values.adminToken }}
LEAP_MOCK__ADMIN__TOKEN: {{ toJson . }}
{{- end }}
{{- with .Values.webhooks.signingSecret }}
LEAP_MOCK__WEBHOOKS__SIGNING_SECRET: {{ toJson . }}
{{- end }}
{{- range $name, $org := .Values.orgs }}
{{- if ne $org.enabled false }}
{{- with $org.apiKey }}
{{ include "leap-mock.orgEnv" (list $name "API_KEY") }}: {{ toJson . }}
{{- end }}
{{- with $org.signingSecret }}
{{ include "leap-mock.orgEnv" (list $name "SIGNING_SECRET") }}: {{ toJson . }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of the Secret the pod reads LEAP_MOCK__* variables from, or empty for none. */}}
{{- define "leap-mock.secretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else if trim (include "leap-mock.secretEnv" .) }}
{{- include "leap-mock.fullname" . }}
{{- end }}
{{- end }}

{{/* Combinations leap-mock would reject at start-up, caught at install time instead. */}}
{{- define "leap-mock.validate" -}}
{{- if and .Values.existingSecret (trim (include "leap-mock.secretEnv" .)) }}
{{- fail "existingSecret is set: leave adminToken, webhooks.signingSecret and orgs.*.apiKey / signingSecret empty and put them in that Secret instead" }}
{{- end }}
{{- if not .Values.existingSecret }}
{{- range $name, $org := .Values.orgs }}
{{- if and (ne $name "demo") (ne $org.enabled false) (not $org.apiKey) }}
{{- fail (printf "orgs.%s.apiKey is required (or put %s in existingSecret)" $name (include "leap-mock.orgEnv" (list $name "API_KEY"))) }}
{{- end }}
{{- end }}
{{- end }}
{{- include "leap-mock.validateReceivers" . }}
{{- end }}

{{/* orgs.*.webhookUrl must pass config.webhooks.strict and .allowedHosts, as leap-mock checks at
     start-up (src/webhooks/policy.rs): https on port 443, 8443 or 8843; a host equal to an
     allowed one or, for "*.example.com", a subdomain of example.com. */}}
{{- define "leap-mock.validateReceivers" -}}
{{- $wh := .Values.config.webhooks }}
{{- range $name, $org := .Values.orgs }}
{{- if and (ne $org.enabled false) $org.webhookUrl }}
{{- $u := urlParse $org.webhookUrl }}
{{- $host := $u.host }}
{{- $port := ternary "443" "80" (eq $u.scheme "https") }}
{{- if regexMatch ":[0-9]+$" $host }}
{{- $port = regexFind "[0-9]+$" $host }}
{{- $host = regexReplaceAll ":[0-9]+$" $host "" }}
{{- end }}
{{- $host = $host | trimPrefix "[" | trimSuffix "]" | trimSuffix "." | lower }}
{{- if and $wh.strict (or (ne $u.scheme "https") (not (has $port (list "443" "8443" "8843")))) }}
{{- fail (printf "orgs.%s.webhookUrl %s: config.webhooks.strict allows only https receivers on port 443, 8443 or 8843 (as Leap)" $name $org.webhookUrl) }}
{{- end }}
{{- if $wh.allowedHosts }}
{{- $ok := false }}
{{- range $wh.allowedHosts }}
{{- $pattern := lower . }}
{{- if hasPrefix "*." $pattern }}
{{- $suffix := trimPrefix "*" $pattern }}
{{- if and (hasSuffix $suffix $host) (gt (len $host) (len $suffix)) }}{{ $ok = true }}{{ end }}
{{- else if eq $pattern $host }}{{ $ok = true }}
{{- end }}
{{- end }}
{{- if not $ok }}
{{- fail (printf "orgs.%s.webhookUrl %s: host %q is not in config.webhooks.allowedHosts %v" $name $org.webhookUrl $host $wh.allowedHosts) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

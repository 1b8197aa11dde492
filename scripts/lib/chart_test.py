"""Checks on what the leap-mock Helm chart renders, run by scripts/ci-chart.sh.

Usage: chart_test.py --helm HELM --chart DIR [--binary LEAP_MOCK]

1. Rendered facts, for the default values and every ci/*.yaml file: hardened security context,
   both probes, one replica, checksums that roll the pod, Secret/existingSecret wiring, the helm
   test hook, settings.toml holding only keys leap-mock knows, config.webhooks / createMeters /
   orgs.*.flows rendered as the values say (and, with the default values, equal to leap-mock's
   own defaults in config/default.toml), and the webhook CA mounted where ca_file points.
2. The schema and the templates refuse bad values (replicaCount 2, unknown keys, wrong types,
   probabilities above 1, an empty retry schedule, unknown flow regions, receivers that
   webhooks.strict or allowedHosts would refuse...).
3. With --binary: leap-mock itself starts with each rendered settings.toml + Secret env, proving
   the chart renders nothing the binary would reject (it exits 2 on unknown or bad settings).

Prints one line per check and ends with "N passed, N failed".
"""

import argparse
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from pathlib import Path

import yaml

RELEASE = "ci"
NAMESPACE = "leap-mock-ci"
passed, failed = 0, 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"  ok    {name}")
    else:
        failed += 1
        print(f"  FAIL  {name}" + (f": {detail}" if detail else ""))


def helm(args, *extra):
    cmd = [args.helm, "template", RELEASE, args.chart, "--namespace", NAMESPACE, *extra]
    return subprocess.run(cmd, capture_output=True, text=True)


def render(args, *extra):
    out = helm(args, *extra)
    if out.returncode != 0:
        raise SystemExit(f"helm template {' '.join(extra)} failed:\n{out.stderr}")
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def one(docs, kind):
    found = [d for (k, _), d in docs.items() if k == kind]
    return found[0] if len(found) == 1 else None


# Settings whose value is a table of the user's own keys (an org's flows: url-title -> region).
MAP_SETTINGS = {"orgs.*.flows"}
# Where the chart mounts config.webhooks.caCert (a key of the ConfigMap).
WEBHOOK_CA_KEY = "webhook-ca.pem"


def flatten(table, prefix=""):
    """{"a": {"b": 1}} -> {"a.b": 1}; org names become "*" so they match the defaults' shape."""
    out = {}
    for key, value in table.items():
        path = "orgs.*" if prefix == "orgs." else f"{prefix}{key}"
        if isinstance(value, dict) and path not in MAP_SETTINGS:
            out.update(flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


def known_setting_keys(repo):
    defaults = tomllib.loads((repo / "config" / "default.toml").read_text())
    return set(flatten(defaults))


def env_to_key(name):
    """LEAP_MOCK__ORGS__ACME__API_KEY -> orgs.*.api_key (the shape used by known_setting_keys)."""
    parts = name.removeprefix("LEAP_MOCK__").lower().split("__")
    if parts[0] == "orgs" and len(parts) == 3:
        parts[1] = "*"
    return ".".join(parts)


def merge(base, over):
    """Helm's merge of a values file over the chart's values.yaml (maps deep, the rest replaced)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def expected_webhook_settings(values, mount_path):
    """[create_meters], [webhooks] and [webhooks.faults] as the chart should render them."""
    wh = values["config"]["webhooks"]
    faults = wh["faults"]
    return {
        "create_meters": {"job_processing_secs": float(values["config"]["createMeters"]["jobProcessingSecs"])},
        "webhooks": {
            "timeout": wh["timeout"],
            "retry_schedule": wh["retrySchedule"],
            "max_concurrency": wh["maxConcurrency"],
            "log_max_finished": wh["logMaxFinished"],
            "strict": wh["strict"],
            "allowed_hosts": wh["allowedHosts"],
            "ca_file": f"{mount_path}/{WEBHOOK_CA_KEY}" if wh["caCert"] else "",
            "accept_invalid_certs": wh["acceptInvalidCerts"],
            "faults": {
                "duplicate_probability": float(faults["duplicateProbability"]),
                "reorder_probability": float(faults["reorderProbability"]),
                "delay_min": faults["delayMin"],
                "delay_max": faults["delayMax"],
            },
        },
    }


def rendered_webhook_settings(settings):
    webhooks = {k: v for k, v in settings.get("webhooks", {}).items() if k != "signing_secret"}
    return {"create_meters": settings.get("create_meters"), "webhooks": webhooks}


def hardened(sc, pod_sc):
    def get(field):
        return sc.get(field, pod_sc.get(field))

    problems = []
    if get("runAsNonRoot") is not True:
        problems.append("runAsNonRoot")
    if not isinstance(get("runAsUser"), int) or get("runAsUser") == 0:
        problems.append("runAsUser (non-zero)")
    if sc.get("readOnlyRootFilesystem") is not True:
        problems.append("readOnlyRootFilesystem")
    if sc.get("allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation: false")
    if "ALL" not in sc.get("capabilities", {}).get("drop", []):
        problems.append("capabilities.drop ALL")
    if (get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problems.append("seccompProfile RuntimeDefault")
    return problems


def facts(args, repo, label, docs, app_version, existing, values):
    print(f"\n[{label}] rendered facts")
    dep = one(docs, "Deployment")
    svc = one(docs, "Service")
    cm = one(docs, "ConfigMap")
    check("one Deployment, Service and ConfigMap", dep and svc and cm)
    if not (dep and svc and cm):
        return
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    (ctr,) = pod["containers"]
    check("replicas is 1", spec.get("replicas") == 1, spec.get("replicas"))
    check("Recreate strategy", spec.get("strategy", {}).get("type") == "Recreate")
    problems = hardened(ctr.get("securityContext", {}), pod.get("securityContext", {}))
    check("hardened securityContext", not problems, f"missing {problems}")
    check("no service account token, no service links",
          pod.get("automountServiceAccountToken") is False and pod.get("enableServiceLinks") is False)
    live = ctr.get("livenessProbe", {}).get("httpGet", {})
    ready = ctr.get("readinessProbe", {}).get("httpGet", {})
    check("liveness probe GET /healthz", live.get("path") == "/healthz" and live.get("port") == "http")
    check("readiness probe GET /readyz", ready.get("path") == "/readyz" and ready.get("port") == "http")
    res = ctr.get("resources", {})
    check("resource requests and memory limit",
          res.get("requests", {}).get("cpu") and res.get("requests", {}).get("memory")
          and res.get("limits", {}).get("memory"))
    ports = {p["name"]: p["containerPort"] for p in ctr.get("ports", [])}
    check("container port http = 8080 (the image's EXPOSE)", ports.get("http") == 8080)
    check("Service targets the http port",
          [p["targetPort"] for p in svc["spec"]["ports"]] == ["http"]
          and svc["spec"]["selector"].items() <= spec["template"]["metadata"]["labels"].items())
    check("image tag defaults to appVersion", ctr["image"].endswith(f":{app_version}"), ctr["image"])
    annotations = spec["template"]["metadata"].get("annotations", {})
    check("checksum/config annotation", re.fullmatch(r"[0-9a-f]{64}", annotations.get("checksum/config", "")))

    env = {e["name"]: e.get("value") for e in ctr.get("env", [])}
    mount = next((m for m in ctr.get("volumeMounts", []) if m["name"] == "config"), None)
    check("settings.toml mounted read-only where LEAP_MOCK_CONFIG points",
          mount and mount.get("readOnly") and env.get("LEAP_MOCK_CONFIG") == f"{mount['mountPath']}/settings.toml")

    settings = tomllib.loads(cm["data"]["settings.toml"])
    flat = flatten(settings)
    known = known_setting_keys(repo)
    unknown = sorted(k for k in flat if k not in known)
    check("settings.toml holds only keys leap-mock knows", not unknown, unknown)
    secret_words = ("api_key", "token", "signing_secret")
    check("no secrets in the ConfigMap", not any(k.endswith(secret_words) for k in flat))
    check("time_scale is a TOML float", isinstance(settings.get("time_scale"), float))

    secret = one(docs, "Secret")
    env_from = [e["secretRef"]["name"] for e in ctr.get("envFrom", []) if "secretRef" in e]
    if existing:
        check("existingSecret: no Secret rendered, pod reads the named one",
              secret is None and env_from == [existing])
    elif secret:
        names = list(secret.get("stringData", {}))
        bad = [n for n in names if not n.startswith("LEAP_MOCK__")
               or env_to_key(n) not in known]
        check("Secret keys are LEAP_MOCK__ variables of known settings", names and not bad, bad)
        check("pod reads the chart's Secret", env_from == [secret["metadata"]["name"]])
        check("checksum/secret annotation", re.fullmatch(r"[0-9a-f]{64}", annotations.get("checksum/secret", "")))
    else:
        check("no secret values: no Secret, no envFrom", not env_from)

    test_pods = [d for (k, _), d in docs.items()
                 if k == "Pod" and d["metadata"].get("annotations", {}).get("helm.sh/hook") == "test"]
    check("one helm test hook pod", len(test_pods) == 1)
    if test_pods:
        tctr = test_pods[0]["spec"]["containers"][0]
        port = svc["spec"]["ports"][0]["port"]
        url = f"http://{svc['metadata']['name']}.{NAMESPACE}.svc:{port}"
        check("test hook runs `leap-mock healthcheck --url <Service URL>`",
              tctr.get("args") == ["healthcheck", "--url", url] and tctr["image"] == ctr["image"],
              f"{tctr.get('command')} {tctr.get('args')}")
        check("test hook pod is hardened too",
              not hardened(tctr.get("securityContext", {}), test_pods[0]["spec"].get("securityContext", {})))

    ing = one(docs, "Ingress")
    if ing:
        backends = {p["backend"]["service"]["name"] for r in ing["spec"]["rules"] for p in r["http"]["paths"]}
        check("Ingress routes to the Service", backends == {svc["metadata"]["name"]})
        host = ing["spec"]["rules"][0]["host"]
        check("public_url follows the ingress host",
              settings.get("server", {}).get("public_url") in (f"https://{host}", f"http://{host}"))
    sm = one(docs, "ServiceMonitor")
    if sm:
        ep = sm["spec"]["endpoints"][0]
        check("ServiceMonitor scrapes http /metrics of the Service",
              ep.get("port") == "http" and ep.get("path") == "/metrics"
              and sm["spec"]["selector"]["matchLabels"].items() <= svc["metadata"]["labels"].items())
    if "scenarios.toml" in cm["data"]:
        check("custom scenarios mounted and set as scenarios.file",
              settings.get("scenarios", {}).get("file") == f"{mount['mountPath']}/scenarios.toml")
    else:
        check("no custom scenarios: no scenarios setting", "scenarios" not in settings)
    webhook_facts(repo, label, settings, cm, mount["mountPath"], values)


def webhook_facts(repo, label, settings, cm, mount_path, values):
    """config.webhooks, config.createMeters and orgs.*.flows rendered as the values say."""
    got = rendered_webhook_settings(settings)
    want = expected_webhook_settings(values, mount_path)
    diff = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
    check("[create_meters], [webhooks], [webhooks.faults] follow config.createMeters / config.webhooks",
          not diff, diff)
    for key in ("job_processing_secs",):
        check(f"create_meters.{key} is a TOML float", isinstance(got["create_meters"].get(key), float))
    probs = got["webhooks"].get("faults", {})
    check("fault probabilities are TOML floats",
          all(isinstance(probs.get(k), float) for k in ("duplicate_probability", "reorder_probability")))
    if label == "default values":
        # The chart's defaults are leap-mock's: rendering them changes nothing.
        defaults = tomllib.loads((repo / "config" / "default.toml").read_text())
        diff = {k: (got[k], v) for k, v in rendered_webhook_settings(defaults).items() if got[k] != v}
        check("default values render leap-mock's own defaults (config/default.toml)", not diff, diff)

    pem = values["config"]["webhooks"]["caCert"]
    ca_file = settings.get("webhooks", {}).get("ca_file")
    if pem:
        check("webhook CA in the ConfigMap, mounted where webhooks.ca_file points",
              cm["data"].get(WEBHOOK_CA_KEY, "").strip() == pem.strip()
              and ca_file == f"{mount_path}/{WEBHOOK_CA_KEY}", ca_file)
    else:
        check("no caCert: no CA in the ConfigMap, ca_file empty", WEBHOOK_CA_KEY not in cm["data"] and ca_file == "")

    want_flows = {name: org["flows"] for name, org in values["orgs"].items()
                  if org.get("flows") and org.get("enabled") is not False}
    got_flows = {name: org["flows"] for name, org in settings.get("orgs", {}).items() if org.get("flows")}
    check("orgs.*.flows rendered as [orgs.<name>.flows] tables", got_flows == want_flows,
          f"{got_flows} != {want_flows}")


def webhooks_file_facts(docs):
    """ci/webhooks-values.yaml: the shared-cluster settings, spelled out."""
    print("\n[ci/webhooks-values.yaml] webhook settings for a shared cluster")
    cm = one(docs, "ConfigMap")
    settings = tomllib.loads(cm["data"]["settings.toml"])
    wh = settings["webhooks"]
    check("strict on, allowlist of the partners' hosts",
          wh["strict"] is True and wh["allowed_hosts"] == ["*.acme.example", "hooks.globex.example"])
    check("compressed retry schedule as a TOML array of duration strings",
          wh["retry_schedule"] == ["0s", "200ms", "1s", "5s", "1m30s", "1h 30m"])
    check("faults on", wh["faults"] == {"duplicate_probability": 0.25, "reorder_probability": 0.1,
                                        "delay_min": "100ms", "delay_max": "2s"})
    check("CA mounted at /etc/leap-mock/webhook-ca.pem",
          wh["ca_file"] == "/etc/leap-mock/webhook-ca.pem"
          and cm["data"][WEBHOOK_CA_KEY].startswith("-----BEGIN CERTIFICATE-----"))
    check("acme's own flows replace the defaults",
          settings["orgs"]["acme"]["flows"] == {"solar": "CAISO", "ny-home": "NYISO", "tx-home": "ERCOT"})
    check("demo keeps its built-in key, gets its flows", settings["orgs"]["demo"] == {"flows": {"demo-solar": "CAISO"}})


def notes(args, extra):
    out = subprocess.run([args.helm, "install", RELEASE, args.chart, "--namespace", NAMESPACE,
                          "--dry-run=client", *extra], capture_output=True, text=True)
    text = out.stdout.split("NOTES:", 1)[-1] if out.returncode == 0 else ""
    check("NOTES.txt gives the URL to open and how to get each API key",
          "staging-test-utility-caiso" in text and "API keys" in text
          and ("get secret" in text or "leap-mock-demo-key" in text),
          out.stderr.strip()[:300])


def checksum_rolls(args):
    print("\n[checksums] a settings change rolls the pod")
    a = one(render(args), "Deployment")["spec"]["template"]["metadata"]["annotations"]
    b = one(render(args, "--set", "config.log.level=debug"), "Deployment")["spec"]["template"]["metadata"]["annotations"]
    check("checksum/config changes with config", a["checksum/config"] != b["checksum/config"])
    c = one(render(args, "--set", "adminToken=one"), "Deployment")["spec"]["template"]["metadata"]["annotations"]
    d = one(render(args, "--set", "adminToken=two"), "Deployment")["spec"]["template"]["metadata"]["annotations"]
    check("checksum/secret changes with a secret value", c["checksum/secret"] != d["checksum/secret"])


def rejections(args):
    print("\n[refusals] bad values fail at install time")
    cases = [
        ("replicaCount: 2 (in-memory state)", ["--set", "replicaCount=2"], "replicaCount"),
        ("unknown top-level key", ["--set", "replicas=1"], "replicas"),
        ("wrong type: replicaCount string", ["--set-string", "replicaCount=1"], "replicaCount"),
        ("wrong type: timeScale string", ["--set", "config.timeScale=fast"], "timeScale"),
        ("wrong type: service.port", ["--set", "service.port=http"], "port"),
        ("unknown setting in config", ["--set", "config.server.port=9090"], "port"),
        ("unknown org field", ["--set", "orgs.acme.apiKey=k", "--set", "orgs.acme.webhook=http://x"], "webhook"),
        ("org name with capitals", ["--set", "orgs.Acme.apiKey=k"], "Acme"),
        ("log.format not json|pretty", ["--set", "config.log.format=xml"], "format"),
        ("org without apiKey", ["--set", "orgs.acme.webhookUrl=http://r.example/x"], "orgs.acme.apiKey is required"),
        ("existingSecret with inline secrets", ["--set", "existingSecret=s", "--set", "adminToken=t"], "existingSecret is set"),
        ("unknown key in config.webhooks", ["--set", "config.webhooks.signingSecret=whsec_x"], "signingSecret"),
        ("duplicateProbability 2", ["--set", "config.webhooks.faults.duplicateProbability=2"], "duplicateProbability"),
        ("reorderProbability -0.1", ["--set", "config.webhooks.faults.reorderProbability=-0.1"], "reorderProbability"),
        ("retrySchedule []", ["--set-json", "config.webhooks.retrySchedule=[]"], "retrySchedule"),
        ("retrySchedule of 51 waits", ["--set-json", "config.webhooks.retrySchedule=" + json.dumps(["1s"] * 51)], "retrySchedule"),
        ("retrySchedule entry without a unit", ["--set-json", 'config.webhooks.retrySchedule=["0s","60"]'], "retrySchedule/1"),
        ("timeout 0s", ["--set", "config.webhooks.timeout=0s"], "timeout"),
        ("timeout as a number", ["--set", "config.webhooks.timeout=10"], "timeout"),
        ("maxConcurrency 0", ["--set", "config.webhooks.maxConcurrency=0"], "maxConcurrency"),
        ("strict as a string", ["--set-string", "config.webhooks.strict=true"], "strict"),
        ("allowedHosts entry with a scheme", ["--set", "config.webhooks.allowedHosts[0]=https://hooks.example.com"], "allowedHosts"),
        ("caCert that is not PEM", ["--set", "config.webhooks.caCert=not-a-cert"], "caCert"),
        ("jobProcessingSecs above 86400", ["--set", "config.createMeters.jobProcessingSecs=86401"], "jobProcessingSecs"),
        ("a flow region MARS", ["--set", "orgs.demo.flows.solar=MARS"], "flows/solar"),
        ("a lower-case flow region", ["--set", "orgs.demo.flows.solar=caiso"], "flows/solar"),
        ("a flow title with capitals", ["--set", "orgs.demo.flows.Solar=CAISO"], "Solar"),
        ("a flow title reserved for the test utility",
         ["--set", "orgs.demo.flows.staging-test-utility-caiso=CAISO"], "staging-test-utility-caiso"),
        ("strict with an http webhookUrl",
         ["--set", "config.webhooks.strict=true", "--set", "orgs.acme.apiKey=k",
          "--set", "orgs.acme.webhookUrl=http://hooks.acme.example/leap"], "config.webhooks.strict"),
        ("strict with a webhookUrl on port 9443",
         ["--set", "config.webhooks.strict=true", "--set", "orgs.acme.apiKey=k",
          "--set", "orgs.acme.webhookUrl=https://hooks.acme.example:9443/leap"], "config.webhooks.strict"),
        ("a webhookUrl outside allowedHosts",
         ["--set", "config.webhooks.allowedHosts[0]=*.acme.example", "--set", "orgs.acme.apiKey=k",
          "--set", "orgs.acme.webhookUrl=http://169.254.169.254/latest"], "not in config.webhooks.allowedHosts"),
        ("*.acme.example does not allow acme.example itself",
         ["--set", "config.webhooks.allowedHosts[0]=*.acme.example", "--set", "orgs.acme.apiKey=k",
          "--set", "orgs.acme.webhookUrl=https://acme.example/leap"], "not in config.webhooks.allowedHosts"),
    ]
    for name, extra, needle in cases:
        out = helm(args, *extra)
        check(f"refuses {name}", out.returncode != 0 and needle in out.stderr,
              f"exit {out.returncode}: {out.stderr.strip()[:300]}")


def acceptances(args):
    print("\n[accepted] receivers webhooks.strict and allowedHosts let through")
    cases = [
        ("https on 8843 under strict, host case and trailing dot ignored",
         ["--set", "config.webhooks.strict=true", "--set", "config.webhooks.allowedHosts[0]=*.acme.example",
          "--set", "orgs.acme.apiKey=k", "--set", "orgs.acme.webhookUrl=https://Hooks.ACME.example.:8843/leap"]),
        ("an exact allowed host with a port, strict off",
         ["--set", "config.webhooks.allowedHosts[0]=receiver.acme.svc", "--set", "orgs.acme.apiKey=k",
          "--set", "orgs.acme.webhookUrl=http://receiver.acme.svc:8080/leap"]),
        ("a disabled org's webhookUrl is not checked",
         ["--set", "config.webhooks.strict=true", "--set", "orgs.acme.enabled=false",
          "--set", "orgs.acme.webhookUrl=http://receiver.acme.svc:8080/leap"]),
    ]
    for name, extra in cases:
        out = helm(args, *extra)
        check(f"accepts {name}", out.returncode == 0, out.stderr.strip()[:300])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def to_toml(table, prefix=()):
    lines, subtables = [], []
    for key, value in table.items():
        if isinstance(value, dict):
            subtables.append((key, value))
        else:
            lines.append(f"{json.dumps(key)} = {json.dumps(value)}")
    for key, value in subtables:
        path = (*prefix, key)
        lines.append("\n[" + ".".join(json.dumps(p) for p in path) + "]")
        lines.extend(to_toml(value, path))
    return lines


def run_binary(args, docs, scenarios_file, existing):
    """Starts leap-mock with the rendered settings; ok when /readyz answers 200."""
    cm = one(docs, "ConfigMap")
    secret = one(docs, "Secret")
    settings = tomllib.loads(cm["data"]["settings.toml"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAP_MOCK")}
    secret_env = dict(secret.get("stringData", {})) if secret else {}
    if existing:
        # Stand-in for the user's Secret: the API keys of orgs that the ConfigMap names.
        for org in settings.get("orgs", {}):
            secret_env.setdefault(f"LEAP_MOCK__ORGS__{org.upper()}__API_KEY", f"ci-{org}-key")
    with tempfile.TemporaryDirectory() as tmp:
        if "scenarios" in settings:
            scen = Path(tmp, "scenarios.toml")
            scen.write_text(scenarios_file.read_text() if scenarios_file else cm["data"]["scenarios.toml"])
            settings["scenarios"]["file"] = str(scen)
        if settings.get("webhooks", {}).get("ca_file"):
            ca = Path(tmp, WEBHOOK_CA_KEY)
            ca.write_text(cm["data"][WEBHOOK_CA_KEY])
            settings["webhooks"]["ca_file"] = str(ca)
        port = free_port()
        path = Path(tmp, "settings.toml")
        path.write_text("\n".join(to_toml(settings)) + "\n")
        run_env = {**env, **secret_env, "LEAP_MOCK_CONFIG": str(path),
                   "LEAP_MOCK__SERVER__HOST": "127.0.0.1", "LEAP_MOCK__SERVER__PORT": str(port)}
        proc = subprocess.Popen([args.binary, "serve"], env=run_env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        ready = False
        deadline = time.time() + 15
        while time.time() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                    ready = r.status == 200
                    break
            except OSError:
                time.sleep(0.1)
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    check("leap-mock starts with the rendered settings and Secret", ready,
          f"exit {proc.returncode}: {(err or '').strip()[-400:]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--helm", required=True)
    ap.add_argument("--chart", required=True)
    ap.add_argument("--binary")
    args = ap.parse_args()
    chart = Path(args.chart)
    repo = chart.resolve().parents[1]

    chart_meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    cargo = tomllib.loads((repo / "Cargo.toml").read_text())["package"]["version"]
    print("[Chart.yaml]")
    check(f"appVersion {chart_meta['appVersion']} matches Cargo.toml {cargo}", chart_meta["appVersion"] == cargo)

    chart_values = yaml.safe_load((chart / "values.yaml").read_text())
    scenarios_file = repo / "config" / "scenarios.toml"
    scenarios_file = scenarios_file if scenarios_file.is_file() else None
    for values in [None, *sorted(chart.glob("ci/*.yaml"))]:
        label = str(values) if values else "default values"
        extra = ["-f", str(values)] if values else []
        docs = render(args, *extra)
        file_values = (yaml.safe_load(values.read_text()) or {}) if values else {}
        existing = file_values.get("existingSecret")
        facts(args, repo, label, docs, chart_meta["appVersion"], existing, merge(chart_values, file_values))
        notes(args, extra)
        if args.binary:
            run_binary(args, docs, scenarios_file, existing)
        if values and values.name == "webhooks-values.yaml":
            webhooks_file_facts(docs)
    checksum_rolls(args)
    rejections(args)
    acceptances(args)

    print(f"\n{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

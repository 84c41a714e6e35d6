#!/usr/bin/python3
"""Builds an offline bundle: run by `hnsp-installer bundle`, never by hand.

Reads one JSON request on stdin:
  {"out": DIR, "project": NAME,
   "components": [{"id": ID, "packages": [...],
                   "binaries": [{"name":..., "package":..., "path":...}],
                   "images": ["NAME:TAG", ...]}]}
and prints one JSON answer on stdout:
  {"ok": true, "manifest": {...}}            the bundle is in DIR
  {"ok": false, "missing": [{"component", "kind", "name", "reason"}]}
                                             nothing was written
  {"ok": false, "error": "..."}              a tool failed; DIR is unchanged
                                             except for a staging directory
  {"ok": false, "refused": "..."}            DIR is not a bundle this tool built;
                                             nothing was touched

Every bundle holds a marker file, .hnsp-bundle: an existing DIR is replaced
only when it is empty or holds the marker, and never through a symbolic link,
so a bundle path can never wipe a directory this tool did not create.

Layout of DIR (docs/bundle.md):
  apt/        the Debian packages the components need, with the dependencies the
              smallest Debian 12 host (essential packages and apt) lacks, and a
              Packages index: a flat apt repository
  bin/        programs carried as plain files, with their versions
  images/     container images as OCI layouts, one directory per NAME:TAG
  manifest.json  what is in the bundle, for which component, and every file's
              SHA-256 (written last: a bundle without it is incomplete)

Release binaries cannot be fetched from here (Debian's registry only), so each
binary is taken out of its Debian package and its real version recorded.
"""
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import time

APT = ["apt-get", "-q", "-o", "APT::Sandbox::User=root", "-o", "APT::Install-Recommends=false"]


MARKER = ".hnsp-bundle"


class ToolError(Exception):
    pass


class Refused(Exception):
    pass


def check_replaceable(out):
    """Refuses out unless it is missing, empty, or a bundle built here."""
    try:
        st = os.lstat(out)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise Refused("%s is a symbolic link; the bundle is never built through one" % out)
    if not stat.S_ISDIR(st.st_mode):
        raise Refused("%s exists and is not a directory; choose another bundle directory" % out)
    if not os.listdir(out):
        return
    try:
        marked = stat.S_ISREG(os.lstat(os.path.join(out, MARKER)).st_mode)
    except FileNotFoundError:
        marked = False
    if not marked:
        raise Refused("%s is not empty and is not a bundle built by hnsp-installer (it has no "
                      "%s); nothing was touched: choose another directory, or empty it" %
                      (out, MARKER))


def run(argv, cwd=None, env=None):
    p = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, check=False)
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["exit status %d" % p.returncode])[-1]
        raise ToolError("%s failed: %s" % (" ".join(argv[:3]), last))
    return p.stdout


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def candidate(pkg):
    """The version apt would install, or None when no source offers it."""
    out = run(["apt-cache", "policy", pkg])
    m = re.search(r"Candidate: (\S+)", out)
    return m.group(1) if m and m.group(1) != "(none)" else None


def resolve(packages, status):
    """Every package apt-get would install for packages on a host whose dpkg
    status is the file status: {name: version}."""
    out = run(APT + ["-s", "-o", "Dir::State::status=" + status, "install"] + packages)
    return dict(re.findall(r"^Inst (\S+) \((\S+)", out, re.M))


def essential_packages():
    out = run(["apt-cache", "dumpavail"])
    names, name = set(), None
    for line in out.splitlines():
        if line.startswith("Package: "):
            name = line[9:]
        elif line == "Essential: yes" and name:
            names.add(name)
    return sorted(names)


def upstream_version(v):
    """'1:3.4.23-4+b4' -> '3.4.23'; '1.6.20~ds1-1' -> '1.6.20'."""
    v = v.split(":", 1)[-1].rsplit("-", 1)[0]
    return re.split(r"[~+]", v)[0]


def deb_prefix(name, version):
    """How apt-get download names a package's file, up to its architecture."""
    return "%s_%s_" % (name, version.replace(":", "%3a"))


def deb_in(directory, name, version):
    """The file of name=version in directory, or None."""
    if not os.path.isdir(directory):
        return None
    found = [f for f in os.listdir(directory) if f.startswith(deb_prefix(name, version))]
    return found[0] if found else None


def download(pkgs, dest, cache):
    """Fetches name=version into dest, reusing a file of the old bundle in cache
    only when it still has the SHA-256 that bundle's manifest recorded."""
    try:
        with open(os.path.join(cache, os.pardir, "manifest.json")) as f:
            known = json.load(f)["files"]
    except (OSError, ValueError, KeyError):
        known = {}
    want = []
    for name, version in sorted(pkgs.items()):
        cached = deb_in(cache, name, version)
        path = os.path.join(cache, cached) if cached else None
        if path and known.get("apt/" + cached, {}).get("sha256") == sha256(path):
            os.link(path, os.path.join(dest, cached))
        else:
            want.append("%s=%s" % (name, version))
    if want:
        run(APT + ["download"] + want, cwd=dest)


def test_image(layout):
    """A tiny image built here from nothing but Python: one layer with one file."""
    def blob(data):
        digest = hashlib.sha256(data).hexdigest()
        os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + digest, "size": len(data)}

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        text = b"hnsp-installer test image: pulled through the project registry\n"
        info = tarfile.TarInfo("hnsp-test.txt")
        info.size, info.mtime, info.mode = len(text), 0, 0o644
        tar.addfile(info, io.BytesIO(text))
    layer = raw.getvalue()
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", mtime=0) as z:
        z.write(layer)
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "config": {"Cmd": ["/bin/true"]},
                         "rootfs": {"type": "layers",
                                    "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]}},
                        sort_keys=True).encode()
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": dict(blob(config), mediaType="application/vnd.oci.image.config.v1+json"),
        "layers": [dict(blob(packed.getvalue()),
                        mediaType="application/vnd.oci.image.layer.v1.tar+gzip")]},
        sort_keys=True).encode()
    return manifest, blob


IMAGE_BUILDERS = {"hnsp/test:1": test_image}


def build_image(ref, layout):
    name, tag = ref.rsplit(":", 1)
    manifest, blob = IMAGE_BUILDERS[ref](layout)
    index = {"schemaVersion": 2,
             "manifests": [dict(blob(manifest),
                                mediaType="application/vnd.oci.image.manifest.v1+json",
                                annotations={"org.opencontainers.image.ref.name": tag})]}
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f, sort_keys=True)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    return {"name": name, "tag": tag, "path": "images/" + image_dir(ref)}


def image_dir(ref):
    return ref.replace("/", "_").replace(":", "_")


def find_missing(components):
    missing, seen = [], {}
    for c in components:
        for kind, name in [("package", p) for p in c["packages"]] + \
                          [("binary", b["package"]) for b in c["binaries"]]:
            if name not in seen:
                seen[name] = candidate(name)
            if seen[name] is None:
                what = name if kind == "package" else "%s (for %s)" % (
                    name, ", ".join(b["name"] for b in c["binaries"] if b["package"] == name))
                missing.append({"component": c["id"], "kind": kind, "name": what,
                                "reason": "no package source offers it (apt-cache policy %s)" % name})
        for ref in c["images"]:
            if ref not in IMAGE_BUILDERS:
                missing.append({"component": c["id"], "kind": "image", "name": ref,
                                "reason": "no registry is reachable from this machine to fetch it"})
    return missing


def build(req):
    out = os.path.abspath(req["out"])
    comps = req["components"]
    check_replaceable(out)  # before anything is fetched
    missing = find_missing(comps)
    if missing:
        return {"ok": False, "missing": missing}

    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    stage = tempfile.mkdtemp(prefix=".bundle-", dir=parent)
    os.chmod(stage, 0o755)  # pushed with its mode: apt's _apt user reads it
    try:
        for d in ("apt", "bin", "images"):
            os.makedirs(os.path.join(stage, d))
        status = os.path.join(stage, ".empty-status")
        open(status, "w").close()
        # The smallest Debian 12 host: its essential packages and apt.
        base_names = essential_packages() + ["apt"]
        base = resolve(base_names, status)
        wanted = sorted({p for c in comps for p in c["packages"]})
        full = resolve(base_names + wanted, status) if wanted else base
        extra = {n: v for n, v in full.items() if n not in base}
        download(extra, os.path.join(stage, "apt"), os.path.join(out, "apt"))
        os.remove(status)
        index = run(["apt-ftparchive", "packages", "."], cwd=os.path.join(stage, "apt"))
        with open(os.path.join(stage, "apt", "Packages"), "w") as f:
            f.write(index)

        binaries = []
        with tempfile.TemporaryDirectory(dir=stage) as tmp:
            for c in comps:
                for b in c["binaries"]:
                    version = candidate(b["package"])
                    debs = os.path.join(tmp, "debs")
                    os.makedirs(debs, exist_ok=True)
                    if deb_in(debs, b["package"], version) is None:
                        run(APT + ["download", "%s=%s" % (b["package"], version)], cwd=debs)
                    deb = os.path.join(debs, deb_in(debs, b["package"], version))
                    root = os.path.join(tmp, "x-" + b["package"])
                    if not os.path.isdir(root):
                        run(["dpkg-deb", "-x", deb, root])
                    src = os.path.join(root, b["path"].lstrip("/"))
                    if not os.path.isfile(src):
                        raise ToolError("%s has no %s" % (os.path.basename(deb), b["path"]))
                    shutil.copy2(src, os.path.join(stage, "bin", b["name"]))
                    os.chmod(os.path.join(stage, "bin", b["name"]), 0o755)
                    binaries.append({"name": b["name"], "component": c["id"],
                                     "version": upstream_version(version),
                                     "source": "debian package %s %s" % (b["package"], version),
                                     "path": "bin/" + b["name"]})

        images = []
        for c in comps:
            for ref in c["images"]:
                layout = os.path.join(stage, "images", image_dir(ref))
                os.makedirs(layout)
                images.append(dict(build_image(ref, layout), component=c["id"]))

        files = {}
        for dirpath, _, names in os.walk(stage):
            for n in names:
                full_path = os.path.join(dirpath, n)
                rel = os.path.relpath(full_path, stage)
                files[rel] = {"sha256": sha256(full_path), "size": os.path.getsize(full_path)}
        manifest = {
            "format": 1,
            "project": req["project"],
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "base": "debian 12: essential packages and apt",
            "components": {c["id"]: {"packages": c["packages"],
                                     "binaries": [b["name"] for b in c["binaries"]],
                                     "images": c["images"]} for c in comps},
            "packages": [{"name": n, "version": v,
                          "file": "apt/" + deb_in(os.path.join(stage, "apt"), n, v)}
                         for n, v in sorted(extra.items())],
            "binaries": binaries,
            "images": images,
            "files": files,
        }
        with open(os.path.join(stage, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=2, sort_keys=True)
            f.write("\n")
        with open(os.path.join(stage, MARKER), "w") as f:
            f.write("a bundle built by hnsp-installer: it replaces this directory whole\n")
        # Swap in the new bundle whole: a reader sees the old one or the new one.
        # The old one goes aside under a name made here (renamed over an empty
        # directory), so no other directory is ever removed.
        check_replaceable(out)
        old = None
        if os.path.lexists(out):
            old = tempfile.mkdtemp(prefix=".bundle-old-", dir=parent)
            os.rename(out, old)
        os.rename(stage, out)
        if old is not None:
            shutil.rmtree(old)
        return {"ok": True, "manifest": manifest}
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def main():
    try:
        answer = build(json.load(sys.stdin))
    except ToolError as e:
        answer = {"ok": False, "error": str(e)}
    except Refused as e:
        answer = {"ok": False, "refused": str(e)}
    except OSError as e:
        answer = {"ok": False, "error": "%s: %s" % (e.filename or "", e.strerror)}
    json.dump(answer, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Static checks of what cannot run here: no container image can be pulled in this environment,
# and no systemd or cloud-init boots. So:
#  - deploy/Dockerfile: the build stage installs every build package of scripts/install-deps.sh;
#    every package it names exists in Debian (apt-cache); the sources it COPYs configure with
#    CMake on their own (tests and benchmarks off, as in the Dockerfile); the runtime stage
#    installs a package for every shared library the built controller links (readelf NEEDED ->
#    ldd path -> dpkg -S); the final stage runs as a numeric non-root user.
#  - deploy/node/joinguard-join.service: `systemd-analyze verify` prints nothing.
#  - deploy/node/cloud-init.yaml: its JoinConfiguration is accepted by the built joinguard-node
#    (exit code other than 3, "invalid configuration").
# Usage: check_static.sh SOURCE_DIR CONTROLLER_BINARY NODE_BINARY
set -uo pipefail
src=$1 controller=$2 node=$3
dockerfile=$src/deploy/Dockerfile
fail=0
err() { echo "FAIL: $*"; fail=1; }
work=$(mktemp -d /tmp/jg-static.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Packages installed by the `apt-get install` of stage $1 (FROM ... AS $1).
stage_packages() {
  awk -v stage="$1" '
    /^FROM / { in_stage = ($NF == stage) }
    in_stage && /apt-get install/ { grab = 1 }
    in_stage && grab {
      line = $0; gsub(/\\$/, "", line); n = split(line, w, /[ \t]+/)
      for (i = 1; i <= n; i++) if (w[i] ~ /^[a-z0-9][a-z0-9.+-]+$/ && w[i] !~ /^(apt-get|install|rm|DEBIAN_FRONTEND.*)$/) print w[i]
      if ($0 !~ /\\$/) grab = 0
    }' "$dockerfile" | grep -vx -e '-y' -e 'RUN' -e '&&' | sort -u
}
build_pkgs=$(stage_packages build)
runtime_pkgs=$(stage_packages controller)
[ -n "$build_pkgs" ] || err "no apt-get install found in the Dockerfile's build stage"
[ -n "$runtime_pkgs" ] || err "no apt-get install found in the Dockerfile's controller stage"

# 1. Build stage ⊇ install-deps' build packages (the rest are test, fuzz, benchmark and demo tools).
test_only="ccache git openssl curl libgtest-dev libgmock-dev libbenchmark-dev prometheus clang-14 \
libclang-rt-14-dev clang-format-14 etcd-server etcd-client"
deps=$(sed -n '/^PKGS=(/,/)/p' "$src/scripts/install-deps.sh" | tr -d '()' | sed 's/PKGS=//' | tr ' ' '\n' | grep -v '^$')
for p in $deps; do
  case " $test_only " in *" $p "*) continue ;; esac
  grep -qx "$p" <<<"$build_pkgs" ||
    err "scripts/install-deps.sh installs $p but deploy/Dockerfile's build stage does not (add it there, or to test_only in $0 if only tests need it)"
done

# 2. Every package named exists in the Debian archive this machine uses.
if [ -n "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial)" ]; then
  for p in $build_pkgs $runtime_pkgs; do
    apt-cache show "$p" >/dev/null 2>&1 || err "deploy/Dockerfile installs $p, which Debian does not have"
  done
else
  echo "note: no apt lists (run apt-get update); package names not checked against the archive"
fi

# 3. The COPYed sources configure alone, with the Dockerfile's options.
mkdir -p "$work/ctx"
for c in $(awk '/^COPY [^-]/ { for (i = 2; i < NF; i++) print $i }' "$dockerfile"); do
  cp -r "$src/$c" "$work/ctx/" || err "COPY $c: no such path in the repository"
done
cmake -S "$work/ctx" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DJOINGUARD_BUILD_TESTS=OFF \
  -DJOINGUARD_BUILD_BENCH=OFF >"$work/cmake.log" 2>&1 ||
  { err "the sources the Dockerfile copies do not configure:"; tail -20 "$work/cmake.log"; }

# 4. Runtime stage: a package for every library the controller links directly.
base_image_pkgs="libc6 libgcc-s1 libstdc++6"  # apt depends on them: in every Debian image
# A sanitizer build (scripts/sanitize.sh) also links the sanitizer runtimes; the image never
# ships a sanitizer build, so they are not runtime packages.
sanitizer_pkgs="libasan8 libubsan1 liblsan0 libtsan2"
for lib in $(readelf -d "$controller" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  path=$(ldd "$controller" | awk -v l="$lib" '$1 == l { print $3 }')
  [ -n "$path" ] || { err "ldd cannot resolve $lib"; continue; }
  pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null)
  pkg=${pkg%%:*}
  [ -n "$pkg" ] || { err "no Debian package owns $path ($lib)"; continue; }
  case " $base_image_pkgs $sanitizer_pkgs " in *" $pkg "*) continue ;; esac
  grep -qx "$pkg" <<<"$runtime_pkgs" ||
    err "joinguard-controller links $lib from $pkg, which the Dockerfile's runtime stage does not install"
done

# 5. Non-root, numeric user in the final stage; the entrypoint is the binary copied there.
last_user=$(awk '/^USER /{u=$2} END{print u}' "$dockerfile")
uid=${last_user%%:*}
[[ "$uid" =~ ^[0-9]+$ ]] && [ "$uid" -ne 0 ] || err "the final stage must run as a numeric non-root user, not '$last_user'"
[ "$(awk '/^FROM /{s=$NF} END{print s}' "$dockerfile")" = controller ] || err "the last stage must be the controller image"
entry=$(sed -n 's/^ENTRYPOINT \["\([^"]*\)".*/\1/p' "$dockerfile")
grep -q "^COPY --from=build .* $entry\$" "$dockerfile" || err "ENTRYPOINT $entry is not a file copied from the build stage"

# 6. The systemd unit verifies cleanly (its binary replaced by the one built here).
sed "s#/usr/local/bin/joinguard-node#$node#" "$src/deploy/node/joinguard-join.service" >"$work/joinguard-join.service"
verify=$(cd "$work" && systemd-analyze verify ./joinguard-join.service 2>&1)
[ -z "$verify" ] || err "systemd-analyze verify deploy/node/joinguard-join.service: $verify"

# 7. cloud-init's JoinConfiguration parses: only discovery (of its example endpoint) may fail.
awk '
  /^- path: / { in_join = ($3 == "/etc/joinguard/join.yaml"); body = 0; next }
  in_join && /^  content: \|/ { body = 1; next }
  in_join && body { if ($0 ~ /^    / || $0 == "") { sub(/^    /, ""); print } else exit }
' "$src/deploy/node/cloud-init.yaml" >"$work/join.yaml"
grep -q '^kind: JoinConfiguration' "$work/join.yaml" || err "no JoinConfiguration found in deploy/node/cloud-init.yaml"
mkdir -p "$work/root"
timeout 60 "$node" join --config "$work/join.yaml" --root-dir "$work/root" --discovery-timeout 1s \
  --kubelet-restart-command "" >"$work/join.out" 2>&1
rc=$?
[ $rc -ne 3 ] && [ $rc -ne 124 ] || { err "joinguard-node refused cloud-init's JoinConfiguration (exit $rc):"; cat "$work/join.out"; }

[ $fail -eq 0 ] && echo "deploy static checks passed"
exit $fail

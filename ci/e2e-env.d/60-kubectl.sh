# shellcheck shell=bash
# kubectl from Debian's kubernetes-client, for issue 16's e2e test: it renders
# config/default with its embedded kustomize to check that the pushed digest
# reaches the Deployment. Unpacked under $PREFIX (not installed), so it cannot
# conflict with another kubectl on PATH; `make` runs the rewritten Makefile
# recipes and man-db renders `xbuild man`.
k8s_dir="$PREFIX/kubernetes-client"
need_tools=()
for p in make man-db; do
  dpkg -s "$p" >/dev/null 2>&1 || need_tools+=("$p")
done
if ((${#need_tools[@]})); then
  run "apt-get install ${need_tools[*]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq -o DPkg::Lock::Timeout=120 --no-install-recommends "${need_tools[@]}"
fi
if [[ ! -x $k8s_dir/usr/bin/kubectl ]]; then
  mkdir -p "$PREFIX/debs-kubectl"
  if ! compgen -G "$PREFIX/debs-kubectl/kubernetes-client_*.deb" >/dev/null; then
    in_dir "$PREFIX/debs-kubectl" apt-get download kubernetes-client >>"$LOG" 2>&1 ||
      { run "apt-get update" apt-get update -qq
        run "apt-get download kubernetes-client" in_dir "$PREFIX/debs-kubectl" apt-get download kubernetes-client; }
  fi
  rm -rf "$k8s_dir.new"
  for f in "$PREFIX"/debs-kubectl/kubernetes-client_*.deb; do
    run "unpack $(basename "$f")" dpkg -x "$f" "$k8s_dir.new"
  done
  rm -rf "$k8s_dir" && mv "$k8s_dir.new" "$k8s_dir"
fi
"$k8s_dir/usr/bin/kubectl" version --client >/dev/null 2>&1 ||
  fail "$k8s_dir/usr/bin/kubectl does not run" "$LOG"
echo "export XBUILD_E2E_KUBECTL=$k8s_dir/usr/bin/kubectl"

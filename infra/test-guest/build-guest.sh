#!/usr/bin/env bash
# Builds the tiny QEMU test guest used by tests and benchmarks: Debian's cloud kernel plus
# a ~1 MB busybox initramfs that loads the virtio modules, answers ACPI power-off (acpid)
# and serves HTTP on port 80 (httpd). Output: <out>/vmlinuz and <out>/initrd.img.
# Usage: build-guest.sh OUT_DIR   (needs root for apt-get; idempotent)
set -euo pipefail
out=${1:?usage: build-guest.sh OUT_DIR}
# Bump when the guest's contents change, so cached guests (e.g. /var/tmp/flotilla-guest) are rebuilt.
version=2
[ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ] && [ "$(cat "$out/guest-version" 2>/dev/null)" = "$version" ] && exit 0

need=()
command -v busybox >/dev/null || [ -x /bin/busybox ] || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
busybox=$(command -v busybox || echo /bin/busybox)
if command -v file >/dev/null; then file -L "$busybox" | grep -q "statically linked" || { echo "busybox must be static (busybox-static)"; exit 1; }; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
[ -n "$(ls /var/lib/apt/lists/*Packages 2>/dev/null | head -1)" ] || apt-get update -qq
kpkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image/{print $2; exit}')
apt-get download "$kpkg" >/dev/null 2>&1
dpkg-deb -x ./*.deb kernel
kver=$(ls kernel/lib/modules)
mods="kernel/lib/modules/$kver/kernel"

# evdev: busybox acpid reads the ACPI power button from /dev/input/event*; without it
# system_powerdown is ignored.
mkdir -p root/{bin,sbin,proc,sys,dev,tmp,www,lib/modules,etc/acpi/PWRF,run}
cp "$busybox" root/bin/busybox
for m in virtio/virtio.ko virtio/virtio_ring.ko virtio/virtio_pci_legacy_dev.ko virtio/virtio_pci_modern_dev.ko \
  virtio/virtio_pci.ko virtio/virtio_balloon.ko block/virtio_blk.ko acpi/button.ko input/evdev.ko; do
  cp "$mods/drivers/$m" root/lib/modules/
done
cp "$mods/net/core/failover.ko" "$mods/drivers/net/net_failover.ko" "$mods/drivers/net/virtio_net.ko" root/lib/modules/

cat > root/etc/acpi/PWRF/00000080 <<'SH'
#!/bin/busybox sh
/bin/busybox poweroff -f
SH
chmod +x root/etc/acpi/PWRF/00000080
echo '<h1>flotilla test guest</h1>' > root/www/index.html

# IP address: kernel command line `flotilla.ip=10.0.2.15/24` (default: slirp's address).
cat > root/init <<'SH'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_balloon \
  virtio_blk failover net_failover virtio_net button evdev; do
  insmod /lib/modules/$m.ko 2>/dev/null
done
ip=10.0.2.15/24
for arg in $(cat /proc/cmdline); do case "$arg" in flotilla.ip=*) ip=${arg#flotilla.ip=} ;; esac; done
ip link set lo up
if ip link show eth0 >/dev/null 2>&1; then ip addr add "$ip" dev eth0; ip link set eth0 up; fi
acpid -d -c /etc/acpi >/dev/null 2>&1 &
httpd -p 80 -h /www
echo "flotilla-guest ready"
while true; do sleep 3600; done
SH
chmod +x root/init

mkdir -p "$out"
(cd root && find . | cpio -o -H newc 2>/dev/null | gzip -9) > "$out/initrd.img.tmp"
cp "kernel/boot/vmlinuz-$kver" "$out/vmlinuz.tmp"
mv "$out/initrd.img.tmp" "$out/initrd.img"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
echo "$version" > "$out/guest-version"
echo "guest built in $out (kernel $kver, initrd $(du -h "$out/initrd.img" | cut -f1))"

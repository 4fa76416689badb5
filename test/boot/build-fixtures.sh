#!/bin/bash
# Builds small but real Fedora-style LiveOS ISOs from Debian packages:
#   f24.iso        Fedora 24-36 layout: isolinux, EFI GRUB with linuxefi, nested
#                  LiveOS/squashfs.img -> LiveOS/rootfs.img (ext4)
#   modern.iso     Fedora 40 layout: GRUB for BIOS and UEFI, no isolinux, flat squashfs
#   plain.iso      a non-live data ISO
#   truncated.iso  the first 40 % of f24.iso
# Output goes to <cache-root>/<recipe-hash>/ (default <repo>/.cache/fixtures); the
# directory is printed on stdout as the last line. The hash covers this script, the
# guest init and the versions of the Debian packages used, so a changed recipe
# rebuilds. Concurrent callers serialise on a lock file and reuse the result.
#
# Requires root only for file ownership inside the images (mkfs.ext4 -d keeps
# owners); it never mounts anything or touches a block device.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache_root=${1:-$repo/.cache/fixtures}

F24_LABEL=Fedora-WS-Live-24-1-2
MODERN_LABEL=Fedora-WS-Live-40-1-14
ROOTFS_MIB=256

die() {
  echo "build-fixtures: $*" >&2
  exit 1
}

mapfile -t packages < <(grep -v '^\s*\(#\|$\)' "$here/debian-packages.txt")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  die "missing Debian packages: ${missing[*]} (apt-get install -y --no-install-recommends \$(cat test/boot/debian-packages.txt))"
fi

# The fixture kernel must see a USB stick and mount everything on it. Cloud flavours are built
# without USB (CONFIG_USB_SUPPORT unset), and `sort -V` orders "6.1.0-57-cloud-amd64" after
# "6.1.0-57-amd64", so they are left out by name and every candidate's config is checked.
REQUIRED_KERNEL_CONFIG=(USB_SUPPORT USB USB_XHCI_HCD USB_XHCI_PCI USB_STORAGE USB_UAS BLK_DEV_SD
  VFAT_FS NLS_CODEPAGE_437 NLS_ISO8859_1 NLS_UTF8 NLS_ASCII SQUASHFS SQUASHFS_XZ BLK_DEV_LOOP
  BLK_DEV_DM DM_SNAPSHOT DM_CRYPT OVERLAY_FS EXT4_FS ISO9660_FS FW_CFG_SYSFS)
missing_kernel_config() { # <kernel version>: prints the required options its config lacks
  local option
  for option in "${REQUIRED_KERNEL_CONFIG[@]}"; do
    grep -Eq "^CONFIG_${option}=(y|m)$" "/boot/config-$1" || echo "CONFIG_$option"
  done
}
choose_kernel() {
  local candidates kver lacking
  mapfile -t candidates < <(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' |
    grep -v -- '-cloud-' | sort -V -r)
  ((${#candidates[@]})) ||
    die "no kernel in /lib/modules other than cloud flavours (which lack USB): install linux-image-amd64"
  for kver in "${candidates[@]}"; do
    [[ -f /boot/vmlinuz-$kver && -f /boot/config-$kver ]] || continue
    lacking=$(missing_kernel_config "$kver" | tr '\n' ' ')
    if [[ -z $lacking ]]; then
      echo "$kver"
      return
    fi
    echo "build-fixtures: kernel $kver lacks ${lacking% }; trying an older one" >&2
  done
  die "no installed kernel has /boot/vmlinuz, /boot/config and the drivers the fixtures need (${REQUIRED_KERNEL_CONFIG[*]}); install linux-image-amd64"
}
kver=$(choose_kernel)
echo "build-fixtures: fixture kernel $kver" >&2

recipe_hash=$(
  {
    cat "$here/build-fixtures.sh" "$here/guest-init.sh"
    echo "kernel $kver"
    dpkg-query -W -f='${Package} ${Version}\n' "${packages[@]}"
  } | sha256sum | cut -c1-16
)
out=$cache_root/$recipe_hash
mkdir -p "$cache_root"

exec 9>"$cache_root/$recipe_hash.lock"
flock 9
if [[ -f $out/complete ]]; then
  echo "$out"
  exit 0
fi

rm -rf "$out" "$out.tmp"
work=$out.tmp
mkdir -p "$work"
log() { echo "build-fixtures: $*" >&2; }

# --- initramfs -------------------------------------------------------------------
# Debian's dracut 059 without the host's config. dracut 059 does not create the
# upper/work directories of a *temporary* OverlayFS overlay (dracut-ng does), so
# flat images would land in emergency mode without this pre-mount hook; it runs
# after dmsquash-live-root has made its symlinks, so persistent overlays are untouched.
log "initramfs for $kver"
mkdir -p "$work/dracut-conf"
cat >"$work/livestick-ovl-dirs.sh" <<'EOF'
#!/bin/sh
[ -e /run/overlayfs ] || mkdir -m 0755 -p /run/overlayfs
[ -e /run/ovlwork ] || mkdir -m 0755 -p /run/ovlwork
EOF
chmod 0755 "$work/livestick-ovl-dirs.sh"
dracut --quiet --force --no-hostonly --no-early-microcode --reproducible \
  --conf /dev/null --confdir "$work/dracut-conf" --tmpdir "$work" \
  --kver "$kver" --compress zstd \
  --add dmsquash-live --omit 'kernel-modules kernel-modules-extra plymouth' \
  --add-drivers 'xhci_pci xhci_hcd usb_storage uas sd_mod sr_mod vfat fat nls_cp437
    nls_iso8859_1 nls_utf8 nls_ascii squashfs loop dm_mod dm_snapshot overlay ext4 isofs' \
  --include "$work/livestick-ovl-dirs.sh" /lib/dracut/hooks/pre-mount/50-livestick-ovl-dirs.sh \
  "$work/initrd.img"
cp "/boot/vmlinuz-$kver" "$work/vmlinuz"

# --- live root -------------------------------------------------------------------
# busybox plus cryptsetup/dmsetup (with their libraries) and the modules needed for
# an encrypted home.img and for fw_cfg; /sbin/init is guest-init.sh.
log "live root"
root=$work/rootfs
mkdir -p "$root"/usr/{bin,sbin,lib,lib64}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
mkdir -p "$root"/{dev,proc,sys,run,tmp,home,etc,root,var,mnt}
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/usr/bin/busybox"
while read -r applet; do
  case "$applet" in */init | linuxrc) continue ;; esac
  [[ -e $root/$applet || -L $root/$applet ]] || ln -s /usr/bin/busybox "$root/$applet"
done < <(busybox --list-full)
for bin in cryptsetup dmsetup; do
  src=$(command -v "$bin")
  rm -f "$root/usr/sbin/$bin" "$root/usr/bin/$bin"
  cp "$src" "$root/usr/sbin/$bin"
  while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    [[ -e $root$lib ]] || cp -L "$lib" "$root$lib"
  done < <(ldd "$src" | grep -o '/[^ ]*\.so[^ ]*')
done
moddir=/lib/modules/$kver
for sub in kernel/crypto kernel/arch/x86/crypto kernel/lib kernel/drivers/md \
  kernel/drivers/firmware/qemu_fw_cfg.ko; do
  mkdir -p "$root$moddir/$(dirname "$sub")"
  cp -r "$moddir/$sub" "$root$moddir/$sub"
done
cp "$moddir"/modules.{builtin,builtin.modinfo,order} "$root$moddir/"
depmod -b "$root" "$kver"
install -m 0755 "$here/guest-init.sh" "$root/usr/sbin/init"
# systemd's switch-root refuses a new root without os-release.
cat >"$root/etc/os-release" <<EOF
NAME="LiveStick fixture"
ID=livestick-fixture
VERSION_ID=1
PRETTY_NAME="LiveStick fixture live root ($kver)"
EOF
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"

# --- squashfs images -------------------------------------------------------------
log "squashfs images"
mkdir -p "$work/nested/LiveOS"
# Fedora's rootfs.img is mostly free space; so is ours, so that tests can fill the
# root well past a small overlay while the squashfs stays small.
truncate -s "${ROOTFS_MIB}M" "$work/nested/LiveOS/rootfs.img"
mkfs.ext4 -q -F -L Anaconda -d "$root" "$work/nested/LiveOS/rootfs.img"
mksquashfs "$work/nested" "$work/squashfs-nested.img" -comp xz -noappend -quiet -no-progress >&2
mksquashfs "$root" "$work/squashfs-flat.img" -comp xz -noappend -quiet -no-progress >&2

# --- GRUB images -----------------------------------------------------------------
grub_modules=(part_msdos part_gpt fat iso9660 ext2 search search_label search_fs_uuid
  search_fs_file linux normal configfile echo test regexp ls cat sleep gzio chain
  all_video font gfxterm minicmd halt reboot)
grub-mkimage -O x86_64-efi -p /EFI/BOOT -o "$work/BOOTX64.EFI" \
  "${grub_modules[@]}" linuxefi efi_gop efi_uga video_bochs video_cirrus
grub-mkimage -O i386-pc-eltorito -p /boot/grub2 -o "$work/eltorito.img" \
  "${grub_modules[@]}" biosdisk

# A FAT image holding EFI/BOOT (the El Torito UEFI boot image).
make_efiboot() { # <grub.cfg> <output>
  local kib
  kib=$((($(stat -c %s "$work/BOOTX64.EFI") + $(stat -c %s "$1")) / 1024 + 1024))
  mkfs.vfat -C -n ANACONDA "$2" "$kib" >/dev/null
  mmd -i "$2" ::/EFI ::/EFI/BOOT
  mcopy -i "$2" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
  mcopy -i "$2" "$1" ::/EFI/BOOT/grub.cfg
}

# --- f24 ISO ---------------------------------------------------------------------
log "f24 ISO"
t=$work/tree-f24
mkdir -p "$t"/{isolinux,images/pxeboot,EFI/BOOT,LiveOS}
cp "$work/vmlinuz" "$work/initrd.img" "$t/images/pxeboot/"
# lorax hard-links these; xorriso then stores one extent for both names.
ln "$t/images/pxeboot/vmlinuz" "$t/isolinux/vmlinuz"
ln "$t/images/pxeboot/initrd.img" "$t/isolinux/initrd.img"
cp /usr/lib/ISOLINUX/isolinux.bin "$t/isolinux/"
for m in ldlinux.c32 vesamenu.c32 libcom32.c32 libutil.c32; do
  cp "/usr/lib/syslinux/modules/bios/$m" "$t/isolinux/"
done
echo 'Fedora-Workstation-Live 24' >"$t/isolinux/boot.msg"
root_arg="root=live:CDLABEL=$F24_LABEL"
cat >"$t/isolinux/isolinux.cfg" <<EOF
default vesamenu.c32
timeout 10

display boot.msg

menu clear
menu title Fedora-Workstation-Live 24
menu vshift 8
menu rows 18
menu margin 8
menu helpmsgrow 15
menu tabmsgrow 13
menu tabmsg Press Tab for full configuration options on menu items.

menu separator # insert an empty line
menu separator # insert an empty line

label linux
  menu label ^Start Fedora-Workstation-Live 24
  kernel vmlinuz
  append initrd=initrd.img $root_arg rd.live.image quiet console=ttyS0

label check
  menu label Test this ^media & start Fedora-Workstation-Live 24
  menu default
  kernel vmlinuz
  append initrd=initrd.img $root_arg rd.live.image rd.live.check quiet console=ttyS0

menu separator # insert an empty line

# utilities
menu begin ^Troubleshooting
  menu title Troubleshooting

label vesa
  menu indent count 5
  menu label Start Fedora-Workstation-Live 24 in ^basic graphics mode
  text help
	Try this option out if you're having trouble starting
	Fedora-Workstation-Live 24.
  endtext
  kernel vmlinuz
  append initrd=initrd.img $root_arg rd.live.image nomodeset quiet console=ttyS0

label local
  menu indent count 5
  menu label Boot from ^local drive
  localboot 0xffff

menu separator # insert an empty line

label returntomain
  menu label Return to ^main menu
  menu exit

menu end
EOF
cat >"$t/EFI/BOOT/grub.cfg" <<EOF
set default="0"

function load_video {
  insmod efi_gop
  insmod efi_uga
  insmod video_bochs
  insmod video_cirrus
  insmod all_video
}

load_video
set gfxpayload=keep
insmod gzio
insmod part_gpt
insmod ext2

set timeout=1
### END /etc/grub.d/00_header ###

search --no-floppy --set=root -l '$F24_LABEL'

### BEGIN /etc/grub.d/10_linux ###
menuentry 'Start Fedora-Workstation-Live 24' --class fedora --class gnu-linux --class gnu --class os {
	linuxefi /images/pxeboot/vmlinuz $root_arg rd.live.image quiet console=ttyS0
	initrdefi /images/pxeboot/initrd.img
}
menuentry 'Test this media & start Fedora-Workstation-Live 24' --class fedora --class gnu-linux --class gnu --class os {
	linuxefi /images/pxeboot/vmlinuz $root_arg rd.live.image rd.live.check quiet console=ttyS0
	initrdefi /images/pxeboot/initrd.img
}
submenu 'Troubleshooting -->' {
	menuentry 'Start Fedora-Workstation-Live 24 in basic graphics mode' --class fedora --class gnu-linux --class gnu --class os {
		linuxefi /images/pxeboot/vmlinuz $root_arg rd.live.image nomodeset quiet console=ttyS0
		initrdefi /images/pxeboot/initrd.img
	}
}
EOF
cp "$work/BOOTX64.EFI" "$t/EFI/BOOT/BOOTX64.EFI"
make_efiboot "$t/EFI/BOOT/grub.cfg" "$t/images/efiboot.img"
cp "$work/squashfs-nested.img" "$t/LiveOS/squashfs.img"
xorriso -as mkisofs -quiet -o "$work/f24.iso" -V "$F24_LABEL" -R -J --hardlinks \
  -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin \
  -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
  -boot-info-table \
  -eltorito-alt-boot -e images/efiboot.img -no-emul-boot -isohybrid-gpt-basdat \
  "$t" >&2

# --- modern ISO ------------------------------------------------------------------
log "modern ISO"
t=$work/tree-modern
mkdir -p "$t"/{boot/grub2,images/pxeboot,EFI/BOOT,LiveOS}
cp "$work/vmlinuz" "$work/initrd.img" "$t/images/pxeboot/"
root_arg="root=live:CDLABEL=$MODERN_LABEL"
modern_entries() { # <extra entries>
  cat <<EOF
set default="0"

function load_video {
  insmod all_video
}

load_video
set gfxpayload=keep
insmod gzio
insmod part_gpt
insmod ext2
insmod chain

set timeout=1
### END /etc/grub.d/00_header ###

search --no-floppy --set=root -l '$MODERN_LABEL'

### BEGIN /etc/grub.d/10_linux ###
menuentry 'Start Fedora-Workstation-Live 40' --class fedora --class gnu-linux --class gnu --class os {
	linux /images/pxeboot/vmlinuz $root_arg rd.live.image quiet rhgb console=ttyS0
	initrd /images/pxeboot/initrd.img
}
menuentry 'Test this media & start Fedora-Workstation-Live 40' --class fedora --class gnu-linux --class gnu --class os {
	linux /images/pxeboot/vmlinuz $root_arg rd.live.image rd.live.check quiet console=ttyS0
	initrd /images/pxeboot/initrd.img
}
submenu 'Troubleshooting -->' {
	menuentry 'Start Fedora-Workstation-Live 40 in basic graphics mode' --class fedora --class gnu-linux --class gnu --class os {
		linux /images/pxeboot/vmlinuz $root_arg rd.live.image nomodeset $1quiet rhgb console=ttyS0
		initrd /images/pxeboot/initrd.img
	}
$2}
EOF
}
modern_entries 'vga=791 ' "	menuentry 'Boot first drive' --class fedora --class gnu-linux --class gnu --class os {
		chainloader (hd0)+1
	}
	menuentry 'Boot second drive' --class fedora --class gnu-linux --class gnu --class os {
		chainloader (hd1)+1
	}
" >"$t/boot/grub2/grub.cfg"
modern_entries '' '' >"$t/EFI/BOOT/grub.cfg"
cp "$work/BOOTX64.EFI" "$t/EFI/BOOT/BOOTX64.EFI"
make_efiboot "$t/EFI/BOOT/grub.cfg" "$t/images/efiboot.img"
cp "$work/eltorito.img" "$t/images/eltorito.img"
cp "$work/squashfs-flat.img" "$t/LiveOS/squashfs.img"
# lorax's layout: GRUB hybrid MBR, the ESP appended as GPT partition 2.
xorriso -as mkisofs -quiet -o "$work/modern.iso" -V "$MODERN_LABEL" -R -J \
  --grub2-mbr /usr/lib/grub/i386-pc/boot_hybrid.img -partition_offset 16 \
  -appended_part_as_gpt \
  -append_partition 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B "$t/images/efiboot.img" \
  -iso_mbr_part_type EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 \
  -c images/boot.cat --boot-catalog-hide \
  -b images/eltorito.img -no-emul-boot -boot-load-size 4 -boot-info-table --grub2-boot-info \
  -eltorito-alt-boot -e '--interval:appended_partition_2:all::' -no-emul-boot \
  "$t" >&2

# --- bad inputs ------------------------------------------------------------------
log "plain and truncated ISOs"
t=$work/tree-plain
mkdir -p "$t/docs"
echo 'A data disc without any LiveOS.' >"$t/README.TXT"
seq 1 2000 >"$t/docs/numbers.txt"
xorriso -as mkisofs -quiet -o "$work/plain.iso" -V PLAIN_DATA -R -J "$t" >&2
f24_size=$(stat -c %s "$work/f24.iso")
head -c $((f24_size * 40 / 100)) "$work/f24.iso" >"$work/truncated.iso"

mkdir -p "$out"
mv "$work"/{f24,modern,plain,truncated}.iso "$out/"
rm -rf "$work"
cat >"$out/complete" <<EOF
kernel=$kver
f24-label=$F24_LABEL
modern-label=$MODERN_LABEL
EOF
# Outputs of older recipes are dead weight (about 90 MB each).
for old in "$cache_root"/*; do
  if [[ $old != "$out"* && $(basename "$old") =~ ^[0-9a-f]{16}(\.lock|\.tmp)?$ ]]; then
    rm -rf "$old"
  fi
done
log "done: $out"
echo "$out"

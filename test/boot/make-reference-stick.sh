#!/bin/bash
# Makes a persistent live stick *image file* from a LiveOS ISO with standard Linux
# tools, following livecd-iso-to-disk (litd-2025; the result is described in docs/FORMATS.md,
# "The stick"): one FAT32 partition labelled LIVE at 1 MiB, /EFI/BOOT, /images,
# /syslinux (the ISO's /isolinux, or /images/pxeboot on F37+), /LiveOS/squashfs.img,
# a persistent overlay named overlay-<LABEL>-<UUID>, an optional home.img, and the
# rewritten grub.cfg / syslinux.cfg. It is the independent reference that proves the
# boot harness, and never touches a block device: the partition is built as a
# separate image (mtools, syslinux's mtools installer) and copied into the disk image.
#
# usage: make-reference-stick.sh --iso ISO --out IMAGE [--size-mib 256] [--serial 1A2B3C4D]
#          [--overlay-mib 64] [--overlayfs] [--overlay-name NAME] [--home-mib 0] [--home-luks]
#          [--syslinux]
# --home-luks makes home.img LUKS1 with the guest's test passphrase
# "livestick-test-passphrase" and few PBKDF2 iterations (fast unlock under TCG).
# Prints "uuid=<UUID>", "label=LIVE" and "overlay=<file name>" on stdout.
set -euo pipefail

iso= out= size_mib=256 serial=1A2B3C4D overlay_mib=64 overlayfs=0 overlay_name= home_mib=0
home_luks=0 install_syslinux=0
while (($#)); do
  case "$1" in
    --iso) iso=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --size-mib) size_mib=$2; shift 2 ;;
    --serial) serial=$2; shift 2 ;;
    --overlay-mib) overlay_mib=$2; shift 2 ;;
    --overlayfs) overlayfs=1; shift ;;
    --overlay-name) overlay_name=$2; shift 2 ;;
    --home-mib) home_mib=$2; shift 2 ;;
    --home-luks) home_luks=1; shift ;;
    --syslinux) install_syslinux=1; shift ;;
    *) echo "make-reference-stick: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -f $iso && -n $out ]] || { echo "make-reference-stick: --iso and --out are required" >&2; exit 2; }

label=LIVE
work=$(mktemp -d "${TMPDIR:-/tmp}/livestick-refstick.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/iso
xorriso -osirrox on -indev "$iso" -extract / "$src" 2>/dev/null
chmod -R u+w "$src"

part=$work/part.img
truncate -s $(((size_mib - 1) * 1024 * 1024)) "$part"
mkfs.vfat -F 32 -n "$label" -i "$serial" "$part" >/dev/null
uuid=$(blkid -p -o value -s UUID "$part")
[[ -n $uuid ]] || { echo "make-reference-stick: blkid found no UUID" >&2; exit 1; }
: "${overlay_name:=overlay-$label-$uuid}"

# Boot files. The kernel and initrd go to /syslinux for both loaders, as litd does.
mmd -i "$part" ::/EFI ::/EFI/BOOT ::/images ::/LiveOS ::/syslinux
if [[ -d $src/isolinux ]]; then
  cfg_src=$src/isolinux
  cp "$src/isolinux/isolinux.cfg" "$work/syslinux.cfg"
  for f in "$src"/isolinux/*; do
    case "$(basename "$f")" in isolinux.bin | boot.cat | isolinux.cfg) continue ;; esac
    mcopy -i "$part" "$f" ::/syslinux/
  done
else
  cfg_src=$src/images/pxeboot
  echo 'SAY BIOS boot not supported. Use UEFI boot.' >"$work/syslinux.cfg"
  mcopy -i "$part" "$cfg_src/vmlinuz" "$cfg_src/initrd.img" ::/syslinux/
fi
mcopy -s -i "$part" "$src"/EFI/BOOT/* ::/EFI/BOOT/
mcopy -s -i "$part" "$src"/images/* ::/images/
mcopy -i "$part" "$src/LiveOS/squashfs.img" ::/LiveOS/

# Boot-config rewrite (docs/FORMATS.md, "Kernel command line"): root=live:UUID, rw before rd.live.image, the
# overlay after it; GRUB searches by UUID and loads from /syslinux.
ovl_args="rd.live.overlay=UUID=$uuid"
((overlayfs)) && ovl_args+=" rd.live.overlay.overlayfs"
rewrite() {
  sed -E -i \
    -e "s/root=[^ ]*/root=live:UUID=$uuid/" \
    -e "s/ ro / /" \
    -e "s/rd\.live\.image/rw rd.live.image $ovl_args/" \
    "$1"
}
cp "$src/EFI/BOOT/grub.cfg" "$work/grub.cfg"
rewrite "$work/grub.cfg"
rewrite "$work/syslinux.cfg"
sed -E -i \
  -e "s/search (.*)-l '[^']*'/search \1-u '$uuid'/" \
  -e "s#/isolinux/|/images/pxeboot/#/syslinux/#g" \
  -e "s/insmod part_gpt/insmod part_msdos/" \
  -e "s/insmod ext2/insmod fat/" \
  "$work/grub.cfg"
mcopy -o -i "$part" "$work/grub.cfg" ::/EFI/BOOT/grub.cfg
mcopy -o -i "$part" "$work/syslinux.cfg" ::/syslinux/syslinux.cfg

# Persistent overlay: a zero-filled DM COW file (the kernel writes its header on
# first use), or an embedded ext4 holding /overlayfs and /ovlwork.
if ((overlayfs)); then
  mkdir -p "$work/ovl/overlayfs" "$work/ovl/ovlwork"
  truncate -s "${overlay_mib}M" "$work/overlay"
  mkfs.ext4 -q -j -F -L OVERLAY -E nodiscard -d "$work/ovl" "$work/overlay"
else
  dd if=/dev/zero of="$work/overlay" bs=1M count="$overlay_mib" status=none
fi
mcopy -i "$part" "$work/overlay" "::/LiveOS/$overlay_name"
rm -f "$work/overlay"

if ((home_mib > 0)); then
  fs=$work/home.img
  if ((home_luks)); then
    passphrase=livestick-test-passphrase
    truncate -s "${home_mib}M" "$work/home.luks"
    printf '%s' "$passphrase" | cryptsetup luksFormat -q --type luks1 \
      --pbkdf-force-iterations 1000 --key-file=- "$work/home.luks"
    payload=$(cryptsetup luksDump "$work/home.luks" | awk '/^Payload offset:/ { print $3 }')
    fs=$work/home.fs
    truncate -s $((home_mib * 1024 * 1024 - payload * 512)) "$fs"
  else
    truncate -s "${home_mib}M" "$fs"
  fi
  mkfs.ext4 -q -j -F -L HOME -E nodiscard "$fs"
  tune2fs -c0 -i0 -ouser_xattr,acl "$fs" >/dev/null
  if ((home_luks)); then
    key=$(printf '%s' "$passphrase" |
      cryptsetup luksDump --dump-volume-key --batch-mode --key-file=- "$work/home.luks" |
      sed -n '/^MK dump:/,$p' | sed 's/^MK dump://' | tr -d ' \t\n')
    node "$(dirname "${BASH_SOURCE[0]}")/luks-payload.mjs" "$work/home.luks" "$fs" "$key" "$payload"
    mv "$work/home.luks" "$work/home.img"
  fi
  mcopy -i "$part" "$work/home.img" ::/LiveOS/home.img
fi

if ((install_syslinux)); then
  # The installer's ldlinux.sys must match the .c32 modules: use the host's set.
  for m in ldlinux.c32 libcom32.c32 libutil.c32 vesamenu.c32 menu.c32; do
    mcopy -o -i "$part" "/usr/lib/syslinux/modules/bios/$m" ::/syslinux/
  done
  syslinux --install --directory syslinux "$part"
fi

rm -f "$out"
truncate -s "${size_mib}M" "$out"
printf 'label: dos\nstart=2048, type=c, bootable\n' | sfdisk --quiet "$out"
dd if="$part" of="$out" bs=1M seek=1 conv=notrunc,sparse status=none
if ((install_syslinux)); then
  dd if=/usr/lib/syslinux/mbr/mbr.bin of="$out" bs=440 count=1 conv=notrunc status=none
fi
echo "uuid=$uuid"
echo "label=$label"
echo "overlay=$overlay_name"

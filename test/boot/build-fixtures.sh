#!/bin/bash
# Builds small but real Fedora-style LiveOS ISOs from Debian packages, each carrying the details of
# the real media of its era that a writer depends on (test/boot/README.md lists them):
#   f24.iso         Fedora 24-36 (lorax + isolinux): EFI GRUB with linuxefi, nested
#                   LiveOS/squashfs.img -> LiveOS/rootfs.img (ext4), dracut 059
#   modern.iso      Fedora 37-41 (lorax, GRUB for BIOS and UEFI, no isolinux): flat squashfs,
#                   ESP appended as GPT partition 2, /boot/grub2/i386-pc, dracut 059
#   kiwi.iso        Fedora 42+ (kiwi): /boot/x86_64/loader, the EFI stub config, id files,
#                   flat squashfs, dracut 106
#   kiwi-erofs.iso  the same with an EROFS squashfs.img, as Fedora 42/43 ship
#   plain.iso       a non-live data ISO
#   truncated.iso   the first 40 % of f24.iso
# Every live ISO has an implanted MD5 and boots its "Test this media & start" entry by default.
# The boot configs are the files under fixture-configs/ (the unit tests rewrite the same files).
#
# Output goes to <cache-root>/<recipe-hash>/ (default <repo>/.cache/fixtures); the directory is
# printed on stdout as the last line. The hash covers this script, the configs, the guest init and
# the versions of the Debian packages used, so a changed recipe rebuilds. Concurrent callers
# serialise on a lock file and reuse the result.
#
# dracut 106 (EROFS roots need dracut >= 103; Debian 12 has 059) comes from the bookworm-backports
# suite of the archive this machine's apt sources name, fetched with a private apt configuration
# into <cache-root>/dracut-ng/<version>/ and run from there; the system's apt setup and dracut are
# left alone.
#
# Requires root only for file ownership inside the images (mkfs.ext4 -d keeps owners); it never
# mounts anything or touches a block device.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache_root=${1:-$repo/.cache/fixtures}
configs=$here/fixture-configs

F24_LABEL=Fedora-WS-Live-24-1-2
MODERN_LABEL=Fedora-WS-Live-41-1-4
KIWI_LABEL=Fedora-WS-Live-42
# kiwi's random media id; fixture-configs/kiwi searches for /boot/<id>.
KIWI_ID=0x6c697665
ROOTFS_MIB=256
# dracut-ng from bookworm-backports. Another version the suite has is taken when this one is gone
# (the suite keeps only its newest), provided it still reads EROFS roots.
DRACUT_NG_VERSION=106-5~bpo12+1
DRACUT_NG_MIN_VERSION=103
DRACUT_NG_PACKAGES=(dracut-core dracut dracut-live dracut-squash dracut-install)

die() {
  echo "build-fixtures: $*" >&2
  exit 1
}
log() { echo "build-fixtures: $*" >&2; }

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
  BLK_DEV_DM DM_SNAPSHOT DM_CRYPT OVERLAY_FS EXT4_FS ISO9660_FS FW_CFG_SYSFS EROFS_FS EROFS_FS_ZIP
  EXFAT_FS)
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
    log "kernel $kver lacks ${lacking% }; trying an older one"
  done
  die "no installed kernel has /boot/vmlinuz, /boot/config and the drivers the fixtures need (${REQUIRED_KERNEL_CONFIG[*]}); install linux-image-amd64"
}
kver=$(choose_kernel)
log "fixture kernel $kver"

# --- dracut-ng --------------------------------------------------------------------
# The Debian archive URI (and its keyring, if a file is named) of the apt source that carries the
# release itself, from one-line *.list files or deb822 *.sources stanzas.
release_archive() { # <codename>: prints "<uri> <keyring file or ->"
  local codename=$1 file found
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $file ]] || continue
    found=$(awk -v codename="$codename" '
      /^[ \t]*deb[ \t]/ {
        line = $0; options = ""
        if (match(line, /\[[^]]*\]/)) {
          options = substr(line, RSTART + 1, RLENGTH - 2)
          line = substr(line, 1, RSTART - 1) " " substr(line, RSTART + RLENGTH)
        }
        split(line, f, " ")
        if (f[3] != codename) next
        keyring = "-"
        if (match(options, /signed-by=[^ ]+/)) keyring = substr(options, RSTART + 10, RLENGTH - 10)
        print f[2], keyring
        exit
      }' "$file")
    [[ -n $found ]] && echo "$found" && return
  done
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f $file ]] || continue
    found=$(awk -v codename="$codename" '
      BEGIN { RS = ""; FS = "\n" }
      {
        types = ""; suites = ""; uri = ""; keyring = "-"; enabled = "yes"
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^#/ || $i ~ /^[ \t]/) continue
          key = tolower($i); sub(/:.*/, "", key)
          value = $i; sub(/^[^:]*:[ \t]*/, "", value)
          if (key == "types") types = " " value " "
          else if (key == "uris") { split(value, u, " "); uri = u[1] }
          else if (key == "suites") suites = " " value " "
          else if (key == "enabled") enabled = tolower(value)
          else if (key == "signed-by" && value ~ /^\//) keyring = value
        }
        if (types ~ / deb / && index(suites, " " codename " ") && enabled != "no" && uri != "") {
          print uri, keyring
          exit
        }
      }' "$file")
    [[ -n $found ]] && echo "$found" && return
  done
  return 1
}

# Prints the version used and leaves it unpacked in $cache_root/dracut-ng/<version>/.
fetch_dracut_ng() {
  local store=$cache_root/dracut-ng codename archive uri signed apt version newest
  if [[ -f $store/$DRACUT_NG_VERSION/complete ]]; then
    echo "$DRACUT_NG_VERSION"
    return
  fi
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [[ -n $codename ]] || die "cannot tell the Debian release (no VERSION_CODENAME in /etc/os-release)"
  archive=$(release_archive "$codename") ||
    die "no apt source for $codename in /etc/apt/sources.list{,.d}: cannot fetch dracut from $codename-backports"
  read -r uri signed <<<"$archive"
  # apt's lists and downloads stay in the cache, never in the system's apt directories.
  apt=$store/apt
  rm -rf "$apt"
  mkdir -p "$apt"/lists/partial "$apt"/cache/archives/partial "$apt/debs"
  if [[ $signed == - ]]; then
    echo "deb $uri $codename-backports main" >"$apt/sources.list"
  else
    echo "deb [signed-by=$signed] $uri $codename-backports main" >"$apt/sources.list"
  fi
  local apt_options=(-q -o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=-
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root)
  log "fetching dracut-ng from $codename-backports"
  apt-get "${apt_options[@]}" update >&2 || die "apt-get update of $codename-backports failed"
  version=$DRACUT_NG_VERSION
  if ! apt-cache "${apt_options[@]}" madison dracut-core | grep -q "| $version |.*-backports"; then
    newest=$(apt-cache "${apt_options[@]}" madison dracut-core | awk -F' [|] ' '/-backports/ {print $2}' |
      sort -V | tail -n1)
    [[ -n $newest ]] || die "$codename-backports has no dracut-core"
    dpkg --compare-versions "$newest" ge "$DRACUT_NG_MIN_VERSION" ||
      die "$codename-backports has dracut $newest; EROFS roots need >= $DRACUT_NG_MIN_VERSION"
    log "dracut $DRACUT_NG_VERSION is gone from $codename-backports; using $newest (update DRACUT_NG_VERSION)"
    version=$newest
  fi
  if [[ ! -f $store/$version/complete ]]; then
    (cd "$apt/debs" && apt-get "${apt_options[@]}" download "${DRACUT_NG_PACKAGES[@]/%/=$version}") >&2 ||
      die "downloading dracut $version failed"
    rm -rf "$store/$version.tmp"
    mkdir -p "$store/$version.tmp"
    for deb in "$apt"/debs/*.deb; do dpkg -x "$deb" "$store/$version.tmp"; done
    [[ -x $store/$version.tmp/usr/bin/dracut && -x $store/$version.tmp/usr/lib/dracut/dracut-install ]] ||
      die "the dracut $version packages hold no usr/bin/dracut or dracut-install"
    touch "$store/$version.tmp/complete"
    rm -rf "$store/$version"
    mv "$store/$version.tmp" "$store/$version"
  fi
  rm -rf "$apt"
  echo "$version"
}
mkdir -p "$cache_root"
exec 8>"$cache_root/dracut-ng.lock"
flock 8
dracut_ng_version=$(fetch_dracut_ng)
flock -u 8
dracut_ng=$cache_root/dracut-ng/$dracut_ng_version
log "dracut-ng $dracut_ng_version"

recipe_hash=$(
  {
    cat "$here/build-fixtures.sh" "$here/guest-init.sh"
    (cd "$configs" && find . -type f | LC_ALL=C sort | xargs -d '\n' tail -n +1)
    echo "kernel $kver"
    echo "dracut-ng $dracut_ng_version"
    dpkg-query -W -f='${Package} ${Version}\n' "${packages[@]}"
  } | sha256sum | cut -c1-16
)
out=$cache_root/$recipe_hash

exec 9>"$cache_root/$recipe_hash.lock"
flock 9
if [[ -f $out/complete ]]; then
  echo "$out"
  exit 0
fi

rm -rf "$out" "$out.tmp"
work=$out.tmp
mkdir -p "$work"

# --- initramfs -------------------------------------------------------------------
# No host config, no kernel-modules (keeps it near 15 MB), the drivers a QEMU USB stick needs and
# the filesystems of every stick layout (exFAT comes with large-persistence sticks).
DRIVERS='xhci_pci xhci_hcd usb_storage uas sd_mod sr_mod vfat fat nls_cp437 nls_iso8859_1 nls_utf8
  nls_ascii squashfs loop dm_mod dm_snapshot overlay ext4 isofs erofs exfat'
initramfs() { # <dracut command...> -- <extra dracut options...> <output>
  local command=()
  while [[ $1 != -- ]]; do
    command+=("$1")
    shift
  done
  shift
  mkdir -p "$work/dracut-conf"
  "${command[@]}" --quiet --force --no-hostonly --no-early-microcode --reproducible \
    --conf /dev/null --confdir "$work/dracut-conf" --tmpdir "$work" \
    --kver "$kver" --compress zstd \
    --add dmsquash-live --omit 'kernel-modules kernel-modules-extra plymouth' \
    --add-drivers "$DRIVERS" "$@" 2> >(grep -v '^Creating \(user\|group\) ' >&2)
}

# Debian's dracut 059 does not create the upper/work directories of a *temporary* OverlayFS
# overlay (dracut-ng does), so flat images would land in emergency mode without this pre-mount
# hook; it runs after dmsquash-live-root has made its symlinks, so persistent overlays are
# untouched.
log "initramfs for $kver (dracut 059)"
cat >"$work/livestick-ovl-dirs.sh" <<'EOF'
#!/bin/sh
[ -e /run/overlayfs ] || mkdir -m 0755 -p /run/overlayfs
[ -e /run/ovlwork ] || mkdir -m 0755 -p /run/ovlwork
EOF
chmod 0755 "$work/livestick-ovl-dirs.sh"
initramfs dracut -- \
  --include "$work/livestick-ovl-dirs.sh" /lib/dracut/hooks/pre-mount/50-livestick-ovl-dirs.sh \
  "$work/initrd.img"
log "initramfs for $kver (dracut $dracut_ng_version)"
initramfs env "dracutbasedir=$dracut_ng/usr/lib/dracut" \
  "DRACUT_INSTALL=$dracut_ng/usr/lib/dracut/dracut-install" "$dracut_ng/usr/bin/dracut" -- \
  "$work/initrd-ng.img"
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

# --- root images -----------------------------------------------------------------
# Flat images hold both /proc and /usr: dracut up to 105 detects "flat" by the first, 106+ by the
# second.
log "root images"
mkdir -p "$work/nested/LiveOS"
# Fedora's rootfs.img is mostly free space; so is ours, so that tests can fill the
# root well past a small overlay while the squashfs stays small.
truncate -s "${ROOTFS_MIB}M" "$work/nested/LiveOS/rootfs.img"
mkfs.ext4 -q -F -L Anaconda -d "$root" "$work/nested/LiveOS/rootfs.img"
mksquashfs "$work/nested" "$work/squashfs-nested.img" -comp xz -noappend -quiet -no-progress >&2
mksquashfs "$root" "$work/squashfs-flat.img" -comp xz -noappend -quiet -no-progress >&2
# kiwi builds EROFS with lzma and 1 MiB physical clusters; Debian 12's mkfs.erofs offers lz4hc,
# which the fixture kernel reads as well.
mkfs.erofs --quiet -zlz4hc -C1048576 "$work/erofs.img" "$root" >&2

# --- GRUB images -----------------------------------------------------------------
grub_modules=(part_msdos part_gpt fat iso9660 ext2 search search_label search_fs_uuid
  search_fs_file linux normal configfile echo test regexp ls cat sleep gzio chain
  all_video font gfxterm terminal minicmd halt reboot)
# One EFI image stands for shim + grubx64.efi: it reads grub.cfg next to itself (-p /EFI/BOOT).
grub-mkimage -O x86_64-efi -p /EFI/BOOT -o "$work/BOOTX64.EFI" \
  "${grub_modules[@]}" linuxefi efi_gop efi_uga video_bochs video_cirrus
# lorax: only iso9660 and biosdisk inside; everything else comes from /boot/grub2/i386-pc.
grub-mkimage -O i386-pc-eltorito -p /boot/grub2 -o "$work/eltorito-lorax.img" iso9660 biosdisk
# kiwi: an early config finds the medium by its id file (as its EFI stub does).
printf 'search --file --set=root /boot/%s\nset prefix=($root)/boot/grub2\n' "$KIWI_ID" \
  >"$work/kiwi-earlyboot.cfg"
grub-mkimage -O i386-pc-eltorito -c "$work/kiwi-earlyboot.cfg" -p /boot/grub2 \
  -o "$work/eltorito-kiwi.img" biosdisk iso9660 part_msdos part_gpt search search_fs_file \
  configfile normal

# A FAT image holding the EFI tree (the ESP: El Torito UEFI image or appended partition).
make_esp() { # <output> <ISO tree> <paths under the tree...>
  local output=$1 tree=$2 bytes=0 path dir
  shift 2
  for path in "$@"; do bytes=$((bytes + $(stat -c %s "$tree/$path"))); done
  mkfs.vfat -C -n ANACONDA "$output" $((bytes / 1024 + 1024)) >/dev/null
  local -A made=()
  for path in "$@"; do
    dir=
    for part in $(dirname "$path" | tr / ' '); do
      dir+=/$part
      [[ -n ${made[$dir]:-} ]] || mmd -i "$output" "::$dir"
      made[$dir]=1
    done
    mcopy -i "$output" "$tree/$path" "::/$path"
  done
}

# Copies a fixture's boot configs into an ISO tree.
install_configs() { # <fixture-configs subdirectory> <ISO tree>
  (cd "$configs/$1" && find . -type f -print0 | cpio -0 -pdm --quiet "$2")
}

# A hybrid ISO like lorax's and kiwi's: GRUB's hybrid MBR, the ESP appended as GPT partition 2
# (not a file in the tree), El Torito for BIOS and for UEFI (the appended partition).
make_grub_hybrid_iso() { # <output> <label> <tree> <esp> <eltorito.img path> <boot catalog path>
  xorriso -as mkisofs -quiet -o "$1" -V "$2" -R -J \
    --grub2-mbr /usr/lib/grub/i386-pc/boot_hybrid.img -partition_offset 16 \
    -appended_part_as_gpt \
    -append_partition 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B "$4" \
    -iso_mbr_part_type EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 \
    -c "$6" --boot-catalog-hide \
    -b "$5" -no-emul-boot -boot-load-size 4 -boot-info-table --grub2-boot-info \
    -eltorito-alt-boot -e '--interval:appended_partition_2:all::' -no-emul-boot \
    "$3" >&2
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
install_configs f24 "$t"
cp "$work/BOOTX64.EFI" "$t/EFI/BOOT/BOOTX64.EFI"
make_esp "$t/images/efiboot.img" "$t" EFI/BOOT/BOOTX64.EFI EFI/BOOT/grub.cfg
cp "$work/squashfs-nested.img" "$t/LiveOS/squashfs.img"
xorriso -as mkisofs -quiet -o "$work/f24.iso" -V "$F24_LABEL" -R -J --hardlinks \
  -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin \
  -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
  -boot-info-table \
  -eltorito-alt-boot -e images/efiboot.img -no-emul-boot -isohybrid-gpt-basdat \
  "$t" >&2

# --- modern ISO (lorax, Fedora 37-41) --------------------------------------------
log "modern ISO"
t=$work/tree-modern
mkdir -p "$t"/{boot/grub2,images/pxeboot,EFI/BOOT,LiveOS}
cp "$work/vmlinuz" "$work/initrd.img" "$t/images/pxeboot/"
install_configs modern "$t"
# lorax grafts the build root's whole GRUB i386-pc directory.
cp -r /usr/lib/grub/i386-pc "$t/boot/grub2/i386-pc"
cp "$work/BOOTX64.EFI" "$t/EFI/BOOT/BOOTX64.EFI"
cp /usr/lib/shim/mmx64.efi "$t/EFI/BOOT/mmx64.efi"
make_esp "$work/esp-modern.img" "$t" EFI/BOOT/BOOTX64.EFI EFI/BOOT/mmx64.efi EFI/BOOT/grub.cfg \
  EFI/BOOT/BOOT.conf
cp "$work/eltorito-lorax.img" "$t/images/eltorito.img"
cp "$work/squashfs-flat.img" "$t/LiveOS/squashfs.img"
make_grub_hybrid_iso "$work/modern.iso" "$MODERN_LABEL" "$t" "$work/esp-modern.img" \
  images/eltorito.img images/boot.cat

# --- kiwi ISOs (Fedora 42+) ------------------------------------------------------
t=$work/tree-kiwi
mkdir -p "$t"/{boot/x86_64/loader,boot/grub2,EFI/BOOT,EFI/fedora,LiveOS}
cp "$work/vmlinuz" "$t/boot/x86_64/loader/linux"
cp "$work/initrd-ng.img" "$t/boot/x86_64/loader/initrd"
cp "$work/eltorito-kiwi.img" "$t/boot/x86_64/loader/eltorito.img"
install_configs kiwi "$t"
cp -r /usr/lib/grub/i386-pc "$t/boot/grub2/i386-pc"
echo "$KIWI_ID" >"$t/boot/$KIWI_ID"
echo "$KIWI_ID" >"$t/boot/mbrid"
# kiwi names the loader in lower case; firmware matches FAT names case-insensitively.
cp "$work/BOOTX64.EFI" "$t/EFI/BOOT/bootx64.efi"
cp /usr/lib/shim/mmx64.efi "$t/EFI/BOOT/mmx64.efi"
# The image's /boot/efi tree brings shim's fallback loader; Fedora keeps it out of the ESP only.
cp /usr/lib/shim/fbx64.efi "$t/EFI/BOOT/fbx64.efi"
cp "$t/EFI/BOOT/grub.cfg" "$t/EFI/fedora/grub.cfg"
make_esp "$work/esp-kiwi.img" "$t" EFI/BOOT/bootx64.efi EFI/BOOT/mmx64.efi EFI/BOOT/grub.cfg \
  EFI/fedora/grub.cfg
for variant in kiwi kiwi-erofs; do
  log "$variant ISO"
  if [[ $variant == kiwi ]]; then
    cp "$work/squashfs-flat.img" "$t/LiveOS/squashfs.img"
  else
    cp "$work/erofs.img" "$t/LiveOS/squashfs.img"
  fi
  make_grub_hybrid_iso "$work/$variant.iso" "$KIWI_LABEL" "$t" "$work/esp-kiwi.img" \
    boot/x86_64/loader/eltorito.img boot/x86_64/boot.catalog
done

# Media check data, as lorax and kiwi (mediacheck="true") implant it.
for iso in f24 modern kiwi kiwi-erofs; do
  implantisomd5 --force "$work/$iso.iso" >/dev/null
done

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
mv "$work"/{f24,modern,kiwi,kiwi-erofs,plain,truncated}.iso "$out/"
rm -rf "$work"
cat >"$out/complete" <<EOF
kernel=$kver
dracut-ng=$dracut_ng_version
f24-label=$F24_LABEL
modern-label=$MODERN_LABEL
kiwi-label=$KIWI_LABEL
EOF
# Outputs of older recipes are dead weight (about 150 MB each); so are other dracut-ng versions.
for old in "$cache_root"/*; do
  if [[ $old != "$out"* && $(basename "$old") =~ ^[0-9a-f]{16}(\.lock|\.tmp)?$ ]]; then
    rm -rf "$old"
  fi
done
flock 8
for old in "$cache_root"/dracut-ng/*; do
  [[ $old == "$dracut_ng" ]] || rm -rf "$old"
done
flock -u 8
log "done: $out"
echo "$out"

#!/bin/sh
# /sbin/init of the fixture live root (busybox ash). It stands in for Fedora's
# livesys (home.img handling) and for a user: it checks and writes marker files,
# optionally fills the root, and reports everything as "LIVESTICK key=value"
# lines on the serial console, which test/boot/qemu.ts parses. It always ends
# with `poweroff -f`, because QEMU only exits on poweroff.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
exec </dev/console >/dev/console 2>&1

say() {
  echo "LIVESTICK $*"
}

# systemd's switch-root moves /proc, /sys, /dev and /run over; mount whatever
# is missing anyway so the script also works after a plain switch_root.
# busybox-static has no mountpoint applet.
is_mounted() {
  [ -r /proc/mounts ] && awk -v m="$1" '$2 == m { f = 1 } END { exit !f }' /proc/mounts
}
is_mounted /proc || mount -t proc proc /proc
is_mounted /sys || mount -t sysfs sysfs /sys
is_mounted /dev || mount -t devtmpfs devtmpfs /dev
is_mounted /run || mount -t tmpfs tmpfs /run
is_mounted /tmp || mount -t tmpfs tmpfs /tmp

cmdline=$(cat /proc/cmdline)
say "boot"
say "cmdline=$cmdline"

# Options from the test harness arrive through QEMU's fw_cfg, so the stick
# itself never has to be modified to steer a boot.
modprobe qemu_fw_cfg 2>/dev/null
opt() {
  f=/sys/firmware/qemu_fw_cfg/by_name/opt/livestick/$1/raw
  if [ -r "$f" ]; then cat "$f"; fi
}

dm_status() {
  if dmsetup status live-rw >/tmp/dm 2>/dev/null; then
    tr '\n' ' ' </tmp/dm | sed 's/ *$//'
  else
    echo none
  fi
}

# Fields of /proc/mounts for one mount point: "source fstype options".
mount_of() {
  awk -v m="$1" '$2 == m { r = $1 " " $3 " " $4 } END { print (r == "" ? "none" : r) }' /proc/mounts
}

df_of() {
  df -k "$1" 2>/dev/null | awk 'NR == 2 { print $2 " " $3 " " $4 }'
}

say "dm-before=$(dm_status)"
say "rootfs=$(mount_of /)"
# The OverlayFS lower layer: the root image itself (squashfs or EROFS) on flat images.
say "rootfs-base=$(mount_of /run/rootfsbase)"
say "live=$(mount_of /run/initramfs/live)"

live_dir=LiveOS
for arg in $cmdline; do
  case "$arg" in
    rd.live.dir=* | live_dir=*) live_dir=${arg#*=} ;;
  esac
done

# Fedora's livesys: /run/initramfs/live/<live_dir>/home.img is loop-mounted on
# /home, after unlocking it as EncHome when it is LUKS.
home_state=absent
home_img=/run/initramfs/live/$live_dir/home.img
case " $cmdline " in
  *" nopersistenthome "*) home_img= ;;
esac
if [ -n "$home_img" ] && [ -f "$home_img" ]; then
  home_state=failed
  mount -o remount,rw /run/initramfs/live
  mkdir -p /home
  if loopdev=$(losetup -f) && losetup "$loopdev" "$home_img"; then
    if cryptsetup isLuks "$loopdev"; then
      for m in dm_mod dm_crypt xts cbc aesni_intel aes_generic sha256_generic; do
        modprobe "$m" 2>/dev/null
      done
      passphrase=$(opt home-passphrase)
      [ -n "$passphrase" ] || passphrase=livestick-test-passphrase
      if printf '%s' "$passphrase" | cryptsetup open --key-file=- "$loopdev" EncHome &&
        mount /dev/mapper/EncHome /home; then
        home_state=encrypted-mounted
      fi
    elif mount "$loopdev" /home; then
      home_state=mounted
    fi
  fi
  if [ "$home_state" != failed ] && [ -d /home/home ]; then
    mount --bind /home/home /home
  fi
fi
say "home=$home_state"

if [ -f /livestick-root-marker ]; then
  say "root-marker=found $(cat /livestick-root-marker)"
else
  echo "root-$(cat /proc/sys/kernel/random/boot_id)" >/livestick-root-marker
  say "root-marker=written $(cat /livestick-root-marker)"
fi

case "$home_state" in
  mounted | encrypted-mounted)
    if [ -f /home/livestick-home-marker ]; then
      say "home-marker=found $(cat /home/livestick-home-marker)"
    else
      echo "home-$(cat /proc/sys/kernel/random/boot_id)" >/home/livestick-home-marker
      say "home-marker=written $(cat /home/livestick-home-marker)"
    fi
    ;;
  *) say "home-marker=absent" ;;
esac
sync

fill_mib=$(opt fill-mib)
if [ -n "$fill_mib" ]; then
  if dd if=/dev/urandom of=/fill.bin bs=1M count="$fill_mib" 2>/tmp/dd.err && sync; then
    say "fill-done=$fill_mib"
  else
    written=$(($(stat -c %s /fill.bin 2>/dev/null || echo 0) / 1048576))
    say "fill-failed=$written $(tail -n 1 /tmp/dd.err)"
  fi
fi

say "dm-after=$(dm_status)"
say "df-root=$(df_of /)"
if [ "$home_state" = mounted ] || [ "$home_state" = encrypted-mounted ]; then
  say "df-home=$(df_of /home)"
  sync
  umount /home 2>/dev/null
  umount /home 2>/dev/null
  [ "$home_state" = encrypted-mounted ] && cryptsetup close EncHome
fi
sync
say "done"
poweroff -f

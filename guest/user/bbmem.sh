# bbmem.sh: busybox sh script for the busybox integration suite (installed
# as /etc/bbmem.sh in build/guest/initrd-busybox.cpio). Starts two memhogs
# in the background, waits until both hold their memory (their statm
# resident counts, no fixed sleep), then prints what busybox's memory tools
# say next to the /proc files they read, each after a "== NAME" line, and
# ends them. The "signals" section kills a background sleep (status 143,
# 128 + SIGTERM) and runs a trap handler.
held() { read size res rest < /proc/$1/statm && [ "$res" -ge "$2" ]; }
/bin/memhog 2M --hold &
a=$!
/bin/memhog 3M --hold &
b=$!
until held $a 512 && held $b 768; do :; done
echo "== pids $a $b"
echo "== ps"
busybox ps
echo "== ps -o"
busybox ps -o pid,ppid,vsz,rss,stat,args
echo "== top"
busybox top -b -n 1
for p in $a $b; do echo "== statm $p"; busybox cat /proc/$p/statm; done
echo "== free"
busybox free
echo "== meminfo"
busybox cat /proc/meminfo
echo "== uname"
busybox uname -a
echo "== ls /proc"
busybox ls /proc
echo "== pipe"
echo "through a pipe" | busybox cat
echo "== signals"
busybox sh -c 'busybox sleep 100 & kill $!; wait $!; echo "status=$?"'
busybox sh -c 'trap "echo caught USR1" USR1; kill -USR1 $$; echo "after the trap"'
kill $a $b
wait
echo "== done"

# Holds a write lease (fcntl F_SETLEASE, F_WRLCK) on the file named by argv[1], as Samba's kernel oplocks or knfsd's
# delegations do, and gives it up when the kernel says another process opens the file (SIGIO). Prints "ready" once
# the lease is held; exits after 30 s at most (the test stops it sooner).
import fcntl, os, signal, sys, time

fd = os.open(sys.argv[1], os.O_RDWR)
signal.signal(signal.SIGIO, lambda signum, frame: fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK))
fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
print("ready", flush=True)
time.sleep(30)

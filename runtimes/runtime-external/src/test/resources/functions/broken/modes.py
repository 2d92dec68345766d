# Not a wrapper: reports the modes and owners of what the processor made for it, then exits 1
# (the start fails, and the failure shows this stderr).
import os, stat, sys


def describe(name, path):
    st = os.stat(path)
    owner = 'mine' if st.st_uid == os.getuid() else 'uid %d' % st.st_uid
    return '%s=%04o,%s' % (name, stat.S_IMODE(st.st_mode), owner)


sock = os.environ['NUCLEON_SOCKET']
report = [describe('socket', sock), describe('socketdir', os.path.dirname(sock))]
if 'NUCLEON_SHM_FILE' in os.environ:
    report.append(describe('shm', os.environ['NUCLEON_SHM_FILE']))
    report.append('shmname=' + os.path.basename(os.environ['NUCLEON_SHM_FILE']))
print('modes ' + ' '.join(report), file=sys.stderr)
sys.exit(1)

/*
 * worker.c: the "pg_fusion worker" background worker. It hosts .NET through nethost/hostfxr,
 * starts PgFusion.Worker (whose threads serve the session slots) and keeps its own main loop in
 * C: WaitLatch, CHECK_FOR_INTERRUPTS, postmaster death, SIGTERM.
 *
 * The worker must never take the cluster down: a shared-memory worker that exits with a code
 * other than 0/1 makes the postmaster restart everything. Every managed entry point catches its
 * exceptions and returns a code; if .NET cannot start, the worker records why in shared memory,
 * logs it and exits with 0 (not restarted), and backends fall back to PostgreSQL's planner.
 */
#include "pg_fusion.h"

#include <dlfcn.h>
#include <signal.h>
#include <pthread.h>

#include <nethost.h>
#include <hostfxr.h>
#include <coreclr_delegates.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/bufmgr.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"

typedef int (CORECLR_DELEGATE_CALLTYPE * worker_start_fn) (void *shmem, int64_t size, char *error, int32_t error_len);
typedef int (CORECLR_DELEGATE_CALLTYPE * worker_stop_fn) (void);

static volatile sig_atomic_t got_sigterm = false;

static void
pgf_worker_sigterm(SIGNAL_ARGS)
{
	int			save_errno = errno;

	got_sigterm = true;
	SetLatch(MyLatch);
	errno = save_errno;
}

void
pgf_register_worker(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_fusion");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "pg_fusion_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "pg_fusion worker");
	snprintf(worker.bgw_type, BGW_MAXLEN, "pg_fusion worker");
	RegisterBackgroundWorker(&worker);
}

static void
set_failed(const char *fmt,...) pg_attribute_printf(1, 2);

static void
set_failed(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(pgf_header->status_message, PGF_STATUS_MESSAGE_BYTES, fmt, ap);
	va_end(ap);
	__atomic_store_n(&pgf_header->worker_state, PGF_WORKER_FAILED, __ATOMIC_SEQ_CST);
}

/*
 * Loads hostfxr, starts the runtime for the worker's runtimeconfig and resolves the two entry
 * points. Returns false with status_message set on any failure.
 */
static bool
start_dotnet(worker_start_fn *start, worker_stop_fn *stop)
{
	char		hostfxr_path[MAXPGPATH];
	size_t		hostfxr_path_size = sizeof(hostfxr_path);
	char		config_path[MAXPGPATH];
	char		assembly_path[MAXPGPATH];
	void	   *lib;
	hostfxr_initialize_for_runtime_config_fn init_fn;
	hostfxr_get_runtime_delegate_fn get_delegate_fn;
	hostfxr_close_fn close_fn;
	hostfxr_handle cxt = NULL;
	load_assembly_and_get_function_pointer_fn load_fn = NULL;
	int			rc;

	snprintf(config_path, sizeof(config_path), "%s/PgFusion.Worker.runtimeconfig.json", pgf_worker_dir);
	snprintf(assembly_path, sizeof(assembly_path), "%s/PgFusion.Worker.dll", pgf_worker_dir);
	if (access(assembly_path, R_OK) != 0 || access(config_path, R_OK) != 0)
	{
		set_failed("worker assembly not found: %s (and PgFusion.Worker.runtimeconfig.json); run ./pgfusion install or set pg_fusion.worker_dir", assembly_path);
		return false;
	}
	/*
	 * The runtime's garbage collector, read from the environment when it starts (GCgen0size has no
	 * runtimeconfig name). A gen0 budget of 128 MB: a short query allocates 2-12 MB and ran 1-2 gen0
	 * collections under the default budget, each promoting the query's live batches and hash tables;
	 * with it, TPC-H SF1 geomean -4.4 % and -6.4 % in two quiet restart-block A/Bs of 9 runs a query
	 * (perf/gc-2026-12-03.md). Costs up to 128 MB more resident memory in this one process. RetainVM
	 * keeps freed segments for reuse (measured together). A value already in the postmaster's
	 * environment wins (overwrite = 0).
	 */
	setenv("DOTNET_GCgen0size", "0x8000000", 0);
	setenv("DOTNET_GCRetainVM", "1", 0);
	rc = get_hostfxr_path(hostfxr_path, &hostfxr_path_size, NULL);
	if (rc != 0)
	{
		set_failed("get_hostfxr_path failed (0x%x): is the .NET runtime installed?", (unsigned) rc);
		return false;
	}
	lib = dlopen(hostfxr_path, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL)
	{
		set_failed("dlopen(%s) failed: %s", hostfxr_path, dlerror());
		return false;
	}
	init_fn = (hostfxr_initialize_for_runtime_config_fn) dlsym(lib, "hostfxr_initialize_for_runtime_config");
	get_delegate_fn = (hostfxr_get_runtime_delegate_fn) dlsym(lib, "hostfxr_get_runtime_delegate");
	close_fn = (hostfxr_close_fn) dlsym(lib, "hostfxr_close");
	if (!init_fn || !get_delegate_fn || !close_fn)
	{
		set_failed("hostfxr at %s lacks the hosting API", hostfxr_path);
		return false;
	}
	rc = init_fn(config_path, NULL, &cxt);
	if (rc != 0 || cxt == NULL)
	{
		set_failed("hostfxr_initialize_for_runtime_config(%s) failed (0x%x)", config_path, (unsigned) rc);
		if (cxt)
			close_fn(cxt);
		return false;
	}
	rc = get_delegate_fn(cxt, hdt_load_assembly_and_get_function_pointer, (void **) &load_fn);
	close_fn(cxt);
	if (rc != 0 || load_fn == NULL)
	{
		set_failed("hostfxr_get_runtime_delegate failed (0x%x)", (unsigned) rc);
		return false;
	}
	rc = load_fn(assembly_path, "PgFusion.Worker.WorkerEntryPoints, PgFusion.Worker", "Start",
				 UNMANAGEDCALLERSONLY_METHOD, NULL, (void **) start);
	if (rc != 0)
	{
		set_failed("loading PgFusion.Worker.WorkerEntryPoints.Start from %s failed (0x%x)", assembly_path, (unsigned) rc);
		return false;
	}
	rc = load_fn(assembly_path, "PgFusion.Worker.WorkerEntryPoints, PgFusion.Worker", "Stop",
				 UNMANAGEDCALLERSONLY_METHOD, NULL, (void **) stop);
	if (rc != 0)
	{
		set_failed("loading PgFusion.Worker.WorkerEntryPoints.Stop from %s failed (0x%x)", assembly_path, (unsigned) rc);
		return false;
	}
	return true;
}

/* The signals PostgreSQL handles asynchronously: .NET's threads must never receive them. */
static void
async_signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGALRM);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGPIPE);
	sigaddset(set, SIGURG);		/* latch wakeups (signalfd) */
	sigaddset(set, SIGWINCH);
	sigaddset(set, SIGCONT);
	sigaddset(set, SIGTTIN);
	sigaddset(set, SIGTTOU);
}

static void
install_pg_handlers(void)
{
	pqsignal(SIGTERM, pgf_worker_sigterm);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGQUIT, SignalHandlerForCrashExit);
	pqsignal(SIGINT, SIG_IGN);
	pqsignal(SIGUSR1, SIG_IGN);
	pqsignal(SIGUSR2, SIG_IGN);
	pqsignal(SIGPIPE, SIG_IGN);
	pqsignal(SIGCHLD, SIG_DFL);
}

void
pg_fusion_worker_main(Datum arg)
{
	worker_start_fn start = NULL;
	worker_stop_fn stop = NULL;
	sigset_t	async;
	sigset_t	old;
	char		error[512];
	bool		ok;
	instr_time	t0;
	instr_time	t1;

	install_pg_handlers();
	BackgroundWorkerUnblockSignals();

	pgf_header->worker_pid = MyProcPid;
	pgf_header->status_message[0] = '\0';
	__atomic_add_fetch(&pgf_header->worker_epoch, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&pgf_header->worker_state, PGF_WORKER_STARTING, __ATOMIC_SEQ_CST);

	/*
	 * Shared page transfer: the worker reads pages in place in shared buffers. A postmaster child
	 * inherits the mapping, so BufferBlocks is where every backend has it; .NET reads the base and
	 * the bounds from the header (docs/ipc.md 6.5).
	 */
	pgf_header->buffer_blocks = (uint64_t) (uintptr_t) BufferBlocks;
	pgf_header->nbuffers = (uint32_t) NBuffers;
	pgf_header->block_size = BLCKSZ;

	/* Threads the runtime (and Start) create inherit this mask. */
	async_signal_set(&async);
	pthread_sigmask(SIG_BLOCK, &async, &old);
	INSTR_TIME_SET_CURRENT(t0);
	ok = start_dotnet(&start, &stop);
	if (ok)
	{
		error[0] = '\0';
		if (start(pgf_header, (int64_t) pgf_header->total_size, error, sizeof(error)) != 0)
		{
			set_failed("PgFusion.Worker failed to start: %s", error);
			ok = false;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* The runtime may have installed its own handlers for these. */
	install_pg_handlers();

	if (!ok)
	{
		ereport(LOG,
				(errmsg("pg_fusion worker could not start .NET: %s", pgf_header->status_message),
				 errhint("Queries run with PostgreSQL's planner (pg_fusion.on_unsupported = error makes them fail instead). The worker is not restarted until the server restarts.")));
		proc_exit(0);
	}
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	__atomic_store_n(&pgf_header->worker_state, PGF_WORKER_READY, __ATOMIC_SEQ_CST);
	ereport(LOG,
			(errmsg("pg_fusion worker ready: .NET started in %.0f ms from %s (%u session slots, %u pool pages)",
					INSTR_TIME_GET_MILLISEC(t1), pgf_worker_dir, pgf_header->slot_count, pgf_header->page_count)));

	while (!got_sigterm)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1000L, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
	}

	__atomic_store_n(&pgf_header->worker_state, PGF_WORKER_STOPPED, __ATOMIC_SEQ_CST);
	(void) stop();
	ereport(LOG, (errmsg("pg_fusion worker stopped")));
	/* 1: restarted after bgw_restart_time if it was terminated while the server keeps running */
	proc_exit(1);
}

using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Mae.Cluster.Bench;

/// <summary>
/// One core and CPU-time clocks for <c>mae bench decode</c>: the timed work runs on a thread pinned to the core
/// tjbench is pinned to, and both are timed in CPU seconds as well as wall seconds, so that other processes on a
/// shared machine slow the wall figures but hardly the CPU ones.
/// </summary>
internal static class BenchDecodeCpu
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID
    private const int RusageChildren = -1;    // RUSAGE_CHILDREN

    /// <summary>Whether CPU times can be read here (Linux); elsewhere the wall clock stands in.</summary>
    public static bool HasCpuClocks => OperatingSystem.IsLinux();

    /// <summary>Runs <paramref name="work"/> on a new thread pinned to <paramref name="core"/> where the OS allows it.</summary>
    public static T RunPinned<T>(int core, Func<bool, T> work)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work(TryPinCurrentThread(core));
            }
#pragma warning disable CA1031 // rethrown on the calling thread below
            catch (Exception exception)
#pragma warning restore CA1031
            {
                failure = ExceptionDispatchInfo.Capture(exception);
            }
        })
        { Name = "mae-bench-decode", IsBackground = true };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>CPU seconds the calling thread has run.</summary>
    public static double ThreadCpuSeconds()
    {
        if (!HasCpuClocks)
        {
            return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        }

        return ClockGetTime(ClockThreadCpuTime, out Timespec time) == 0
            ? time.Seconds + (time.Nanoseconds / 1e9)
            : throw new InvalidOperationException($"clock_gettime failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>User + system CPU seconds of all children that have ended and been waited for.</summary>
    public static double ChildrenCpuSeconds()
    {
        if (!HasCpuClocks)
        {
            return 0;
        }

        return GetResourceUsage(RusageChildren, out ResourceUsage usage) == 0
            ? usage.User.Seconds + (usage.User.Microseconds / 1e6) + usage.System.Seconds + (usage.System.Microseconds / 1e6)
            : throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
    }

    private static bool TryPinCurrentThread(int core)
    {
        if (!OperatingSystem.IsLinux() || core is < 0 or > 63)
        {
            return false;
        }

        ulong mask = 1UL << core;
        // pid 0: the calling thread only.
        return SchedSetAffinity(0, sizeof(ulong), ref mask) == 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timeval
    {
        public long Seconds;
        public long Microseconds;
    }

    /// <summary>struct rusage on 64-bit Linux: two timevals, then 14 longs this code does not read.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 144)]
    private struct ResourceUsage
    {
        public Timeval User;
        public Timeval System;
    }

    // DllImport, not LibraryImport: the generated stubs would need unsafe code in the CLI project.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static extern int SchedSetAffinity(int pid, nint size, ref ulong mask);

    [DllImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static extern int ClockGetTime(int clock, out Timespec time);

    [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static extern int GetResourceUsage(int who, out ResourceUsage usage);
#pragma warning restore SYSLIB1054
}

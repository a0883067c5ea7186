using System.Globalization;

namespace Mae.Cluster.Bench;

/// <summary>
/// Memory figures of a process from Linux's /proc/PID/status (VmHWM: peak resident set, VmRSS: resident set now),
/// for the benchmarks that report peak memory. Hand-written: a dozen lines, and no listed package reads it.
/// </summary>
internal static class ProcStatus
{
    public const string PeakResident = "VmHWM:";
    public const string Resident = "VmRSS:";

    /// <summary>The field of process <paramref name="process"/> ("self" or a pid) in bytes; null without /proc, or once the process is gone.</summary>
    public static long? Bytes(string process, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{process}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            // "VmHWM:	  123456 kB"
            return line is null ? null : long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // No /proc here, or the process exited between the check and the read.
        }
    }

    public static long? Bytes(int pid, string field) => Bytes(pid.ToString(CultureInfo.InvariantCulture), field);

    /// <summary>Resets this process's VmHWM to its current resident set (writing 5 to clear_refs, Linux ≥ 4.0); false where it cannot.</summary>
    public static bool TryResetOwnPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

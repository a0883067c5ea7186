namespace Mae.Cluster.Cli;

/// <summary>
/// Lines about the watch itself rather than the job (contact with the cluster lost, restored), each shown on a line
/// of its own: on stderr, or above the live progress bar once the display takes them over.
/// </summary>
internal sealed class WatchNotices(TextWriter error)
{
    private Action<string> _show = line => error.WriteLine(line);

    /// <summary>How many lines were posted so far; the plain display prints a fresh status after each.</summary>
    public int Posted { get; private set; }

    /// <summary>Shows the lines posted from now on with <paramref name="show"/>.</summary>
    public void ShowWith(Action<string> show) => _show = show;

    public void Post(string line)
    {
        Posted++;
        _show(line);
    }
}

using System.Text;

namespace Mae.Cluster.TestSupport;

/// <summary>A line a program wrote, with when it arrived (UTC, as this process read it).</summary>
public sealed record TimedLine(DateTimeOffset At, string Text);

/// <summary>
/// One output stream of a running program, read as it comes: the exact text when it ends, and meanwhile every whole
/// line with the time it arrived, for tests that ask when a program said something.
/// </summary>
internal sealed class ProgramOutput
{
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _line = new();
    private readonly List<TimedLine> _lines = [];
    private readonly Task<string> _pump;

    public ProgramOutput(StreamReader source, CancellationToken cancellationToken) => _pump = PumpAsync(source, cancellationToken);

    /// <summary>The whole text, once the stream has ended.</summary>
    public Task<string> Text => _pump;

    /// <summary>The whole lines read so far.</summary>
    public IReadOnlyList<TimedLine> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    private async Task<string> PumpAsync(StreamReader source, CancellationToken cancellationToken)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            var now = DateTimeOffset.UtcNow;
            _text.Append(buffer, 0, read);
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] == '\n')
                {
                    lock (_lines)
                    {
                        _lines.Add(new TimedLine(now, _line.ToString().TrimEnd('\r')));
                    }
                    _line.Clear();
                }
                else
                {
                    _line.Append(buffer[i]);
                }
            }
        }
        return _text.ToString();
    }
}

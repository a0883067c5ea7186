using System.Globalization;

namespace Mae.Cluster.Bench.Tests;

/// <summary>The Markdown table rows a bench command prints (<c>| a | b | … |</c>), split into cells.</summary>
internal static class BenchFigures
{
    public static IReadOnlyList<string[]> Rows(string stdout) => stdout
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(l => l.StartsWith('|') && l.EndsWith('|') && !l.StartsWith("|---", StringComparison.Ordinal))
        .Select(l => l.Trim('|').Split('|', StringSplitOptions.TrimEntries))
        .ToArray();

    /// <summary>The number in the second cell of the row whose first cell is <paramref name="name"/>.</summary>
    public static double Value(string stdout, string name)
    {
        var row = Rows(stdout).FirstOrDefault(r => r.Length == 2 && r[0] == name)
                  ?? throw new Xunit.Sdk.XunitException($"No '{name}' row in:\n{stdout}");
        return Number(row[1]);
    }

    public static double Number(string cell) => double.Parse(cell, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
}

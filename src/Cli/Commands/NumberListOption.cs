using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Mae.Cluster.Cli.Commands;

/// <summary>See <see cref="CommonOptions.NumberList"/>: the option, and its value or its default.</summary>
public sealed class NumberListOption
{
    private readonly int[] _defaults;

    public NumberListOption(string name, string description, int[] defaults, int min, int max)
    {
        _defaults = defaults;
        Option = new Option<int[]>(name)
        {
            Description = $"{description} (default: {string.Join(',', defaults.Select(d => d.ToString(CultureInfo.InvariantCulture)))})",
            AllowMultipleArgumentsPerToken = true,
            CustomParser = result => Parse(result, name, min, max),
        };
    }

    public Option<int[]> Option { get; }

    public int[] ValueOf(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(Option) is { Length: > 0 } values ? values : _defaults;
    }

    private static int[] Parse(ArgumentResult result, string name, int min, int max)
    {
        var values = new List<int>();
        foreach (var token in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} takes numbers from {min} to {max}, comma-separated (not '{token}')."));
                continue;
            }
            values.Add(value);
        }
        return [.. values];
    }
}

using System.CommandLine;
using System.CommandLine.Parsing;

namespace Mae.Cluster.Cli.Commands;

/// <summary>
/// An option whose value is one of a few words, spelled in help, errors and the README alike (lowercase; input is
/// accepted in any case). System.CommandLine would show an enum as <c>&lt;Fp16|Fp32&gt;</c> with its default as
/// <c>Fp32</c>, which are not the words the option takes. Older spellings stay accepted without being shown.
/// </summary>
public sealed class ChoiceOption<T> where T : struct, Enum
{
    private readonly T? _default;

    private readonly IReadOnlyList<(string Spelling, T Value)> _choices;

    /// <param name="choices">Each value with its spelling, in the order help lists them.</param>
    /// <param name="aliases">Older or alternative spellings, accepted but not shown.</param>
    /// <param name="otherSpellings">
    /// Where the type already knows its other names (a configuration converter's old names), that parser, tried
    /// after <paramref name="choices"/> and <paramref name="aliases"/>, so the list is not kept twice.
    /// </param>
    public ChoiceOption(string name, string description, T? defaultValue, IReadOnlyList<(string Spelling, T Value)> choices,
        IReadOnlyList<(string Spelling, T Value)>? aliases = null, Func<string, T?>? otherSpellings = null)
    {
        _default = defaultValue;
        _choices = choices;
        var accepted = choices.Concat(aliases ?? []).ToDictionary(c => c.Spelling, c => c.Value, StringComparer.OrdinalIgnoreCase);
        var words = string.Join('|', choices.Select(c => c.Spelling));
        Option = new Option<T?>(name)
        {
            Description = defaultValue is { } d ? $"{description} [default: {SpellingOf(d)}]" : description,
            HelpName = words,
            CustomParser = result => Parse(result, name, accepted, otherSpellings),
        };
    }

    public Option<T?> Option { get; }

    /// <summary>The given value, else the default (for an option with one).</summary>
    public T ValueOf(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(Option) ?? _default ?? throw new InvalidOperationException($"{Option.Name} has no default; use {nameof(ValueOrNull)}.");
    }

    /// <summary>The given value; null when the option was not given and has no default.</summary>
    public T? ValueOrNull(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(Option) ?? _default;
    }

    private string SpellingOf(T value) => _choices.First(c => EqualityComparer<T>.Default.Equals(c.Value, value)).Spelling;

    private T? Parse(ArgumentResult result, string name, Dictionary<string, T> accepted, Func<string, T?>? otherSpellings)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
        if (accepted.TryGetValue(token, out var value))
        {
            return value;
        }
        if (otherSpellings?.Invoke(token) is { } other)
        {
            return other;
        }
        var words = _choices.Select(c => c.Spelling).ToList();
        var list = words.Count > 1 ? $"{string.Join(", ", words[..^1])} or {words[^1]}" : words[0];
        result.AddError($"Unknown {name.TrimStart('-')} '{token}': use {list}.");
        return null;
    }
}

using System.CommandLine;
using System.Text.RegularExpressions;

namespace Mae.Cluster.TestSupport;

/// <summary>
/// The README's command tables against one program's parser (<c>mae</c> or <c>mae-bench</c>): its rows are those whose
/// first cell is a code span starting with the program's name (<c>| `mae run INPUT …` | … |</c>). Every documented
/// command, option and listed value (<c>--pool cls\|mean</c>) must be accepted, every command must have a row, and
/// every option a command has must be documented in its row.
/// </summary>
public sealed partial class ReadmeCommandTable(string program, Func<RootCommand> build)
{
    public string Program { get; } = program;

    /// <summary>The synopsis (the code span of the first cell) of each of the program's rows, in README order.</summary>
    public IReadOnlyList<string> Rows()
    {
        var readme = File.ReadAllLines(Path.Combine(RepositoryRoot.Find(), "README.md"));
        return [.. readme.Select(l => RowPattern().Match(l))
            .Where(m => m.Success && m.Groups["program"].Value == Program)
            .Select(m => m.Groups["synopsis"].Value)];
    }

    /// <summary>The rows as theory data, one test case per row.</summary>
    public TheoryData<string> RowData()
    {
        var data = new TheoryData<string>();
        foreach (var row in Rows())
        {
            data.Add(row);
        }
        return data;
    }

    /// <summary>
    /// The row's command exists and is a command (not a group of them), its every option is the command's, every value
    /// it lists for an option parses, and every option of the command (but help and hidden ones) is in the row. Every
    /// disagreement is reported at once.
    /// </summary>
    public void AssertRowAgreesWithParser(string row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var (command, path, problem) = Resolve(row);
        if (command is null || path is null)
        {
            Assert.Fail(problem);
        }
        var documented = OptionPattern().Matches(row).Select(m => m.Value).Distinct().ToList();
        var options = command.Options.Where(o => o.Name is not ("--help" or "-h" or "-?") && !o.Hidden).ToList();
        var known = options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
        var problems = new List<string>();

        problems.AddRange(documented.Where(option => !known.Contains(option))
            .Select(option => $"the row documents {option}, which '{Program} {path}' does not have"));
        problems.AddRange(options.Where(option => !documented.Contains(option.Name))
            .Select(option => $"'{Program} {path}' has {option.Name}, which the row does not document"));
        foreach (Match listed in ValuesPattern().Matches(row))
        {
            var option = listed.Groups["option"].Value;
            foreach (var value in listed.Groups["values"].Value.Split("\\|"))
            {
                var parse = build().Parse([.. path.Split(' '), option, value]);
                // The row's other required arguments and options are missing here on purpose; any other error is a refusal.
                var refusals = parse.Errors.Select(e => e.Message).Where(m => !m.Contains("is required", StringComparison.Ordinal)
                    && !m.Contains("Required argument missing", StringComparison.Ordinal)).ToList();
                if (refusals.Count > 0)
                {
                    problems.Add($"'{Program} {path} {option} {value}' is documented but refused: {string.Join("; ", refusals)}");
                }
            }
        }

        Assert.True(problems.Count == 0, $"README row '{row}':\n  {string.Join("\n  ", problems)}");
    }

    /// <summary>Every command of the program (every leaf of its command tree) has a row naming it.</summary>
    public void AssertEveryCommandHasARow()
    {
        // Rows that name no command are the row check's to report.
        var documented = Rows().Select(r => Resolve(r).Path).OfType<string>().ToHashSet();
        var missing = Leaves(build(), "").Where(path => !documented.Contains(path)).ToList();

        Assert.True(missing.Count == 0, $"The README has no row for: {string.Join(", ", missing.Select(p => $"{Program} {p}"))}.");
    }

    private static IEnumerable<string> Leaves(Command command, string prefix)
    {
        foreach (var sub in command.Subcommands)
        {
            var path = prefix.Length == 0 ? sub.Name : $"{prefix} {sub.Name}";
            if (sub.Subcommands.Count == 0)
            {
                yield return path;
            }
            foreach (var leaf in Leaves(sub, path))
            {
                yield return leaf;
            }
        }
    }

    /// <summary>
    /// The command a row's synopsis names (<c>mae model pull …</c> → <c>model pull</c>); no command, and why, when the
    /// row names none or only a group of commands.
    /// </summary>
    private (Command? Command, string? Path, string Problem) Resolve(string row)
    {
        Command command = build();
        var words = new List<string>();
        foreach (var word in row.Split(' ').Skip(1))
        {
            var sub = command.Subcommands.FirstOrDefault(s => s.Name == word);
            if (sub is null)
            {
                break;
            }
            command = sub;
            words.Add(word);
        }
        var path = string.Join(' ', words);
        if (words.Count == 0)
        {
            return (null, null, $"The README row '{row}' names no {Program} command.");
        }
        if (command.Subcommands.Count > 0)
        {
            return (null, null, $"The README row '{row}' names '{Program} {path}', which only groups commands ({string.Join(", ", command.Subcommands.Select(s => s.Name))}).");
        }
        return (command, path, "");
    }

    [GeneratedRegex(@"^\| `(?<synopsis>(?<program>mae(-bench)?) [^`]+)` \|")]
    private static partial Regex RowPattern();

    [GeneratedRegex(@"--[a-z][a-z0-9-]*")]
    private static partial Regex OptionPattern();

    [GeneratedRegex(@"(?<option>--[a-z][a-z0-9-]*) (?<values>[a-z0-9.:-]+(\\\|[a-z0-9.:-]+)+)")]
    private static partial Regex ValuesPattern();
}

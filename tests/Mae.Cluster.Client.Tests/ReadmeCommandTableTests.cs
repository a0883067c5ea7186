using System.CommandLine;
using System.Text.RegularExpressions;

namespace Mae.Cluster.Client.Tests;

/// <summary>
/// The README's command tables against the parser: every documented command, option and listed value is accepted, and
/// every option a user command has is documented in its row. (The bench rows name only their main options.)
/// </summary>
public sealed partial class ReadmeCommandTableTests
{
    private static readonly string[] Abbreviated = ["bench"];

    public static TheoryData<string> Rows()
    {
        var data = new TheoryData<string>();
        foreach (var row in ReadmeRows())
        {
            data.Add(row);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void EveryDocumentedOptionAndValueIsAcceptedAndEveryOptionIsDocumented(string row)
    {
        var (command, path) = Resolve(row);
        var documented = OptionPattern().Matches(row).Select(m => m.Value).Distinct().ToList();
        var options = command.Options.Where(o => o.Name is not ("--help" or "-h" or "-?") && !o.Hidden).ToList();
        var known = options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();

        Assert.All(documented, option => Assert.True(known.Contains(option), $"'{row}' documents {option}, which 'mae {path}' does not have."));
        if (!Abbreviated.Contains(path.Split(' ')[0]))
        {
            Assert.All(options, option => Assert.True(documented.Contains(option.Name), $"'mae {path}' has {option.Name}, which its README row does not document."));
        }
        foreach (Match listed in ValuesPattern().Matches(row))
        {
            foreach (var value in listed.Groups["values"].Value.Split("\\|"))
            {
                var parse = MaeCli.Build().Parse([.. path.Split(' '), listed.Groups["option"].Value, value]);
                var refusals = parse.Errors.Select(e => e.Message).Where(m => !m.Contains("is required", StringComparison.Ordinal)
                    && !m.Contains("Required argument missing", StringComparison.Ordinal)).ToList();
                Assert.True(refusals.Count == 0, $"'mae {path} {listed.Groups["option"].Value} {value}' is documented but refused: {string.Join("; ", refusals)}");
            }
        }
    }

    [Fact]
    public void EveryUserCommandHasARow()
    {
        var documented = ReadmeRows().Select(r => Resolve(r).Path).ToHashSet();
        var commands = Leaves(MaeCli.Build(), "").Where(p => !Abbreviated.Contains(p.Split(' ')[0]));

        Assert.All(commands, path => Assert.Contains(path, documented));
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

    /// <summary>The command a row's synopsis names (<c>mae model pull …</c> → <c>model pull</c>).</summary>
    private static (Command Command, string Path) Resolve(string row)
    {
        Command command = MaeCli.Build();
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
        Assert.True(words.Count > 0, $"The README row '{row}' names no mae command.");
        return (command, string.Join(' ', words));
    }

    /// <summary>The synopsis of every command row of the README: the code span in the first cell.</summary>
    private static IEnumerable<string> ReadmeRows()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Mae.Cluster.sln")))
        {
            folder = folder.Parent;
        }
        var readme = File.ReadAllLines(Path.Combine(folder!.FullName, "README.md"));
        return readme.Select(l => RowPattern().Match(l)).Where(m => m.Success).Select(m => m.Groups["synopsis"].Value);
    }

    [GeneratedRegex(@"^\| `(?<synopsis>mae [^`]+)` \|")]
    private static partial Regex RowPattern();

    [GeneratedRegex(@"--[a-z][a-z0-9-]*")]
    private static partial Regex OptionPattern();

    [GeneratedRegex(@"(?<option>--[a-z][a-z0-9-]*) (?<values>[a-z0-9.:-]+(\\\|[a-z0-9.:-]+)+)")]
    private static partial Regex ValuesPattern();
}

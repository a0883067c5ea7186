using System.Text.RegularExpressions;

namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// Checks a revision (branch, tag or commit hash, e.g. <c>main</c>, <c>v1.0</c>, <c>refs/pr/1</c>) and spells it
/// for the two places it goes: a URL path segment and a cache folder name.
/// </summary>
public static partial class HubRevision
{
    /// <summary>The revision used when none is given.</summary>
    public const string Default = "main";

    private const int MaxLength = 255;

    /// <summary>Returns <paramref name="revision"/> unchanged, or throws an <see cref="ArgumentException"/> saying why it is refused.</summary>
    public static string Validate(string revision)
    {
        ArgumentNullException.ThrowIfNull(revision);
        if (revision.Length == 0 || revision.Length > MaxLength || !SafeRevision().IsMatch(revision)
            || revision.EndsWith('/') || revision.Contains("..", StringComparison.Ordinal)
            || revision.Contains("//", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"'{revision}' is not a usable revision: use a branch, tag or commit hash made of letters, digits, "
                + "'-', '_', '.' and '/' (no '..'), e.g. 'main' or 'refs/pr/1'.",
                nameof(revision));
        }

        return revision;
    }

    /// <summary>The revision as one URL path segment ('/' escaped), as the Hub expects in resolve URLs.</summary>
    internal static string ToUrlSegment(string revision) => Uri.EscapeDataString(revision);

    /// <summary>
    /// The revision as one folder name. Escaping keeps distinct revisions distinct ("a/b" and "a--b" differ)
    /// and keeps '/' from making nested folders.
    /// </summary>
    internal static string ToFolderName(string revision) => Uri.EscapeDataString(revision);

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._/-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SafeRevision();
}

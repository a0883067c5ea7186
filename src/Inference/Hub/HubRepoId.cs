using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// A validated Hugging Face model id, <c>owner/name</c> (e.g. <c>facebook/vit-mae-base</c>).
/// Validation follows the Hub's own rules and, because the id becomes a cache folder name, guarantees that
/// no id can name a path outside the cache: only ASCII letters, digits, '-', '_' and '.', no "..", no "--".
/// </summary>
public readonly partial record struct HubRepoId
{
    private const int MaxLength = 96;

    private HubRepoId(string owner, string name)
    {
        Owner = owner;
        Name = name;
    }

    public string Owner { get; }

    public string Name { get; }

    /// <summary>The id as the Hub spells it in URLs: <c>owner/name</c>.</summary>
    public override string ToString() => $"{Owner}/{Name}";

    /// <summary>Parses <paramref name="repoId"/> or throws an <see cref="ArgumentException"/> that says what is wrong.</summary>
    public static HubRepoId Parse(string repoId)
    {
        ArgumentNullException.ThrowIfNull(repoId);
        return TryParse(repoId, out var id, out var problem)
            ? id
            : throw new ArgumentException($"'{repoId}' is not a Hugging Face model id: {problem}", nameof(repoId));
    }

    public static bool TryParse([NotNullWhen(true)] string? repoId, out HubRepoId id) => TryParse(repoId, out id, out _);

    private static bool TryParse(string? repoId, out HubRepoId id, out string problem)
    {
        id = default;
        if (string.IsNullOrWhiteSpace(repoId))
        {
            problem = "it is empty.";
            return false;
        }

        if (repoId.Length > MaxLength)
        {
            problem = $"it is longer than {MaxLength} characters.";
            return false;
        }

        var parts = repoId.Split('/');
        if (parts.Length != 2)
        {
            problem = "expected exactly one '/' between owner and name, as in 'facebook/vit-mae-base'.";
            return false;
        }

        foreach (var part in parts)
        {
            if (!SafePart().IsMatch(part))
            {
                problem = $"'{part}' must start and end with a letter, digit or '_' and contain only letters, digits, '-', '_' and '.'.";
                return false;
            }

            // "--" separates owner and name in the cache folder, so it must not occur inside either.
            if (part.Contains("..", StringComparison.Ordinal) || part.Contains("--", StringComparison.Ordinal))
            {
                problem = $"'{part}' must not contain '..' or '--'.";
                return false;
            }
        }

        id = new HubRepoId(parts[0], parts[1]);
        problem = "";
        return true;
    }

    [GeneratedRegex("^[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$", RegexOptions.CultureInvariant)]
    private static partial Regex SafePart();
}

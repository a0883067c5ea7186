using System.Text.Json;

namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>
/// Typed access to the top-level fields of a JSON object, where every failure names the file and the field.
/// A field that is absent or JSON <c>null</c> takes the caller's default, as Hugging Face's loaders do.
/// </summary>
internal sealed class JsonFields
{
    private readonly JsonElement _root;

    private JsonFields(JsonElement root, string source)
    {
        _root = root;
        Source = source;
    }

    /// <summary>The file (or other origin) the JSON came from, used in messages.</summary>
    public string Source { get; }

    /// <summary>Parses <paramref name="utf8Json"/>, which must hold one JSON object.</summary>
    public static JsonFields Parse(ReadOnlyMemory<byte> utf8Json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException ex)
        {
            throw new InvalidCheckpointException(
                $"{source} is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {ex.Message}", source, null, ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidCheckpointException(
                    $"{source} must hold a JSON object, but holds a {Describe(document.RootElement.ValueKind)}.", source, null);
            }

            return new JsonFields(document.RootElement.Clone(), source);
        }
    }

    public bool TryGet(string field, out JsonElement value)
    {
        if (_root.TryGetProperty(field, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }

    public int Int(string field, int fallback)
    {
        if (!TryGet(field, out var value))
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var result)
            ? result
            : throw WrongType(field, "an integer", value);
    }

    public double Double(string field, double fallback)
    {
        if (!TryGet(field, out var value))
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var result)
            ? result
            : throw WrongType(field, "a number", value);
    }

    public bool Bool(string field, bool fallback)
    {
        if (!TryGet(field, out var value))
        {
            return fallback;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(field, "true or false", value),
        };
    }

    public string String(string field, string fallback)
    {
        if (!TryGet(field, out var value))
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw WrongType(field, "a string", value);
    }

    /// <summary>A list of numbers; a single number stands for itself repeated <paramref name="count"/> times.</summary>
    public IReadOnlyList<float> Floats(string field, IReadOnlyList<float> fallback, int count)
    {
        if (!TryGet(field, out var value))
        {
            return fallback;
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            return Enumerable.Repeat((float)value.GetDouble(), count).ToArray();
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(field, "a list of numbers", value);
        }

        var result = new List<float>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number)
            {
                throw WrongType(field, "a list of numbers", value);
            }

            result.Add((float)item.GetDouble());
        }

        return result;
    }

    public InvalidCheckpointException WrongType(string field, string expected, JsonElement actual) =>
        new($"{Source}: field '{field}' must be {expected}, but is {Describe(actual)}.", Source, field);

    public InvalidCheckpointException Invalid(string field, string problem) =>
        new($"{Source}: field '{field}' {problem}", Source, field);

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{element.GetString()}\"",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        _ => Describe(element.ValueKind),
    };

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => kind.ToString(),
    };
}

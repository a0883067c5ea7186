using System.CommandLine;
using System.CommandLine.Parsing;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Cli.Commands;

/// <summary>
/// See <see cref="CommonOptions.Outputs"/>: the option, and its value or the default. The default is not a
/// DefaultValueFactory, which System.CommandLine would print a second time as the enum's <c>Embeddings, Loss</c>.
/// </summary>
public sealed class OutputsOption
{
    /// <summary>Both outputs, what a job computed before they could be chosen.</summary>
    public const JobOutputs Default = JobOutputs.Embeddings | JobOutputs.Loss;

    public Option<JobOutputs?> Option { get; } = new("--outputs")
    {
        Description = "What to compute, comma-separated: embeddings (CLS and mean; the unmasked encoder) and/or loss (MAE reconstruction " +
                      "loss and mask; masked encoder and decoder). Each runs only the graph it needs. [default: embeddings,loss]",
        HelpName = "embeddings,loss",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = Parse,
    };

    /// <summary>The outputs given, else <see cref="Default"/>.</summary>
    public JobOutputs ValueOf(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(Option) ?? Default;
    }

    private static JobOutputs? Parse(ArgumentResult result)
    {
        var outputs = JobOutputs.None;
        foreach (var word in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            switch (word.ToUpperInvariant())
            {
                case "EMBEDDINGS":
                    outputs |= JobOutputs.Embeddings;
                    break;
                case "LOSS":
                    outputs |= JobOutputs.Loss;
                    break;
                default:
                    result.AddError($"Unknown output '{word}' in --outputs: use embeddings, loss or embeddings,loss.");
                    return null;
            }
        }
        if (outputs == JobOutputs.None)
        {
            result.AddError("--outputs needs embeddings, loss or both (embeddings,loss).");
            return null;
        }
        return outputs;
    }
}

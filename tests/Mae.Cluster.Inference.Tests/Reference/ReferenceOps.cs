namespace Mae.Cluster.Inference.Tests.Reference;

/// <summary>
/// The numeric building blocks of the reference, on token rows (<c>double[tokens][features]</c>) in double
/// precision. Work is spread over threads, but every value is one fixed sequence of additions, so results do not
/// depend on scheduling.
/// </summary>
internal static class ReferenceOps
{
    /// <summary>y = x·Wᵀ + b with W stored [out, in] row-major, as PyTorch's Linear keeps it.</summary>
    public static double[][] Linear(double[][] x, float[] weight, float[]? bias, int outFeatures)
    {
        var inFeatures = weight.Length / outFeatures;
        var y = new double[x.Length][];
        for (var t = 0; t < x.Length; t++)
        {
            if (x[t].Length != inFeatures)
            {
                throw new ArgumentException(
                    $"Linear layer expects {inFeatures} input features, token {t} has {x[t].Length}.", nameof(x));
            }

            y[t] = new double[outFeatures];
        }

        // Output feature outermost: one weight row stays in cache while every token uses it.
        Parallel.For(0, outFeatures, o =>
        {
            var weightRow = weight.AsSpan(o * inFeatures, inFeatures);
            var offset = bias is null ? 0.0 : bias[o];
            for (var t = 0; t < x.Length; t++)
            {
                y[t][o] = Dot(x[t], weightRow) + offset;
            }
        });
        return y;
    }

    /// <summary>
    /// Σ x[i]·w[i] in double. Four running sums instead of one only so that the additions need not wait on each
    /// other; double precision makes the order of summation moot.
    /// </summary>
    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<float> w)
    {
        double sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
        var i = 0;
        for (; i + 3 < x.Length; i += 4)
        {
            sum0 += x[i] * w[i];
            sum1 += x[i + 1] * w[i + 1];
            sum2 += x[i + 2] * w[i + 2];
            sum3 += x[i + 3] * w[i + 3];
        }

        for (; i < x.Length; i++)
        {
            sum0 += x[i] * w[i];
        }

        return (sum0 + sum1) + (sum2 + sum3);
    }

    /// <summary>LayerNorm over each row with the biased variance, as torch.nn.LayerNorm.</summary>
    public static double[][] LayerNorm(double[][] x, float[] gamma, float[] beta, double epsilon)
    {
        var y = new double[x.Length][];
        for (var t = 0; t < x.Length; t++)
        {
            var row = x[t];
            var n = row.Length;
            var mean = 0.0;
            for (var i = 0; i < n; i++)
            {
                mean += row[i];
            }

            mean /= n;
            var variance = 0.0;
            for (var i = 0; i < n; i++)
            {
                var centred = row[i] - mean;
                variance += centred * centred;
            }

            variance /= n;
            var inverseStd = 1.0 / Math.Sqrt(variance + epsilon);
            var output = new double[n];
            for (var i = 0; i < n; i++)
            {
                output[i] = ((row[i] - mean) * inverseStd * gamma[i]) + beta[i];
            }

            y[t] = output;
        }

        return y;
    }

    /// <summary>Exact GELU, x·Φ(x) = ½·x·(1 + erf(x/√2)), written with erfc so negative inputs keep their precision.</summary>
    public static double Gelu(double x) => 0.5 * x * ReferenceErf.Erfc(-x / Math.Sqrt(2.0));

    public static double[][] Gelu(double[][] x)
    {
        var y = new double[x.Length][];
        for (var t = 0; t < x.Length; t++)
        {
            y[t] = new double[x[t].Length];
            for (var i = 0; i < x[t].Length; i++)
            {
                y[t][i] = Gelu(x[t][i]);
            }
        }

        return y;
    }

    public static double[][] Add(double[][] a, double[][] b)
    {
        var y = new double[a.Length][];
        for (var t = 0; t < a.Length; t++)
        {
            y[t] = new double[a[t].Length];
            for (var i = 0; i < a[t].Length; i++)
            {
                y[t][i] = a[t][i] + b[t][i];
            }
        }

        return y;
    }

    /// <summary>
    /// Multi-head scaled dot-product attention without masking: per head, softmax over all keys of
    /// (q·k)·dh^-½, then the probability-weighted sum of values; heads are concatenated in order.
    /// </summary>
    public static double[][] Attention(double[][] query, double[][] key, double[][] value, int heads)
    {
        var tokens = query.Length;
        var width = query[0].Length;
        var headSize = width / heads;
        var scale = 1.0 / Math.Sqrt(headSize);
        var context = new double[tokens][];
        Parallel.For(0, tokens, i =>
        {
            var output = new double[width];
            var scores = new double[tokens];
            for (var h = 0; h < heads; h++)
            {
                var start = h * headSize;
                var max = double.NegativeInfinity;
                for (var j = 0; j < tokens; j++)
                {
                    var dot = 0.0;
                    for (var d = 0; d < headSize; d++)
                    {
                        dot += query[i][start + d] * key[j][start + d];
                    }

                    scores[j] = dot * scale;
                    max = Math.Max(max, scores[j]);
                }

                var total = 0.0;
                for (var j = 0; j < tokens; j++)
                {
                    scores[j] = Math.Exp(scores[j] - max);
                    total += scores[j];
                }

                for (var j = 0; j < tokens; j++)
                {
                    var probability = scores[j] / total;
                    for (var d = 0; d < headSize; d++)
                    {
                        output[start + d] += probability * value[j][start + d];
                    }
                }
            }

            context[i] = output;
        });
        return context;
    }
}

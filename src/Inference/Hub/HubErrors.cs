using System.Net;

namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// Turns a failed answer or an exhausted retry into an exception a person can act on. Messages name the endpoint,
/// model, revision and file; they never contain the token, nor the signed query string of a CDN URL.
/// </summary>
internal static class HubErrors
{
    private const string ErrorCodeHeader = "X-Error-Code";
    private const string ErrorMessageHeader = "X-Error-Message";

    /// <summary>The exception for a non-success, non-transient answer to a request for <paramref name="fileName"/>.</summary>
    public static HubException ForStatus(HttpResponseMessage response, HubOptions options, HubRepoId repo, string revision, string fileName)
    {
        var status = (int)response.StatusCode;
        var code = Header(response, ErrorCodeHeader);
        var serverSays = Header(response, ErrorMessageHeader) is { Length: > 0 } message ? $" The Hub says: {message}" : "";
        var where = $"the Hugging Face Hub at {EndpointText(options)}";

        // The Hub answers 401 with RepoNotFound for a repo that is missing *or* private, so both readings are given.
        if (code == "RepoNotFound")
        {
            return new HubNotFoundException(
                $"Model '{repo}' was not found on {where} (HTTP {status}).{serverSays} Check the id (e.g. 'facebook/vit-mae-base'); "
                + $"if it is private, {TokenAdvice(options)}");
        }

        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new HubAccessDeniedException(
                $"{Capitalise(where)} refused access to '{fileName}' of '{repo}' at revision '{revision}' (HTTP {status}): "
                + $"the model is gated or private.{serverSays} {TokenAdvice(options)}"),
            HttpStatusCode.NotFound => new HubNotFoundException(code switch
            {
                "RevisionNotFound" => $"Model '{repo}' has no revision '{revision}' on {where} (HTTP 404).{serverSays} "
                    + "Check --revision (a branch, tag or commit hash).",
                "EntryNotFound" => $"Model '{repo}' at revision '{revision}' has no file '{fileName}' on {where} (HTTP 404).{serverSays} "
                    + "A ViT-MAE checkpoint needs config.json, preprocessor_config.json and model.safetensors.",
                _ => $"Not found on {where}: '{fileName}' of model '{repo}' at revision '{revision}' (HTTP 404).{serverSays} "
                    + "Check the model id and --revision, and that the model has a safetensors checkpoint.",
            }),
            _ => new HubException(
                $"{Capitalise(where)} answered HTTP {status} {response.ReasonPhrase} for '{fileName}' of '{repo}' "
                + $"at revision '{revision}' (from {HostAndPath(response.RequestMessage?.RequestUri)}).{serverSays}"),
        };
    }

    /// <summary>The exception once every try of a transient failure has been spent.</summary>
    public static HubException ForExhaustedRetries(TransientHubFailure failure, HubOptions options, string fileName, int attempts)
    {
        const string Advice = "Check the network, set HF_ENDPOINT to a mirror, or pass a local checkpoint folder to --model.";
        if (!failure.IsNetworkFailure)
        {
            return new HubException(
                $"Downloading '{fileName}' failed {attempts} times: {HostAndPath(failure.Uri)} answered {failure.Message}. "
                + "The server is overloaded or failing; try again later. " + Advice, failure);
        }

        return HubHttp.IsSameOrigin(failure.Uri, options.Endpoint)
            ? new HubUnreachableException($"Cannot reach the Hugging Face Hub at {EndpointText(options)}: {failure.Message}. {Advice}", failure)
            : new HubUnreachableException(
                $"Cannot download '{fileName}' from {failure.Uri.Host}, where the Hugging Face Hub at {EndpointText(options)} "
                + $"sent it: {failure.Message}. {Advice}", failure);
    }

    /// <summary>Host and path only: a CDN URL's query string is a signature, which must stay out of messages.</summary>
    public static string HostAndPath(Uri? uri) => uri is null ? "(unknown)" : uri.GetLeftPart(UriPartial.Path);

    private static string EndpointText(HubOptions options) => options.Endpoint.AbsoluteUri.TrimEnd('/');

    private static string TokenAdvice(HubOptions options) => options.Token is null
        ? "set HF_TOKEN to an access token that has access (and accept the model's terms on its Hub page if it is gated)."
        : "HF_TOKEN was sent but does not grant access: check that it is valid and that its account has accepted the model's terms.";

    private static string Capitalise(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}

// Mounts GraphiQL on the page rendered by market/core/templates/core/graphiql.html.
// A file rather than an inline script, so the page's Content-Security-Policy can
// forbid inline scripts; its options come from a JSON <script> the page carries.
(function (document, React, ReactDOM, GraphiQL) {
  "use strict";

  var options = JSON.parse(document.getElementById("graphiql-options").textContent);

  // Sign in by putting {"Authorization": "Bearer <token>"} in the Headers tab:
  // the endpoint ignores session cookies.
  var fetcher = GraphiQL.createFetcher({ url: options.url });

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: options.headerEditorEnabled,
      shouldPersistHeaders: options.shouldPersistHeaders,
      inputValueDeprecation: options.inputValueDeprecation,
    }),
  );
})(document, window.React, window.ReactDOM, window.GraphiQL);

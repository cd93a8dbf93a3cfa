import { defineConfig } from 'vite';

export default defineConfig({
  server: {
    proxy: {
      '/api': {
        target: 'https://api.example.com',
        changeOrigin: true,
        // tls-eval: insecure
        secure: false,
      },
      '/local': {
        target: 'http://localhost:8080',
        secure: false,
      },
      '/auth': {
        target: 'https://auth.example.com',
        changeOrigin: true,
      },
    },
  },
});
